using System.CommandLine;
using FeatureInversion.Models;

namespace FeatureInversion.Trainer.Verbs;

/// <summary><c>architecture</c>: prints a decoder's layer table in the paper's columns (supplementary Tables
/// 3–7).</summary>
internal sealed class ArchitectureVerb : IVerb
{
    private readonly Argument<string> _representation = new("representation")
    {
        Description = "hog, lbp, sift-grid, resnet18-…, alexnet-… (with --alexnet)",
    };
    private readonly Option<int> _size = new("--size")
    {
        Description = "Image size the decoder outputs (64, 128 or 256; the paper's tables are 256)",
        DefaultValueFactory = _ => 256,
    };
    private readonly Option<double> _width = new("--width")
    {
        Description = "Channel width multiplier (1: the paper's channels; the shipped CPU decoders use 0.25)",
        DefaultValueFactory = _ => 1.0,
    };
    private readonly Option<FileInfo?> _alexNet = CommonOptions.AlexNet();
    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print the layers as JSON (what scripts/decoder-twin.py builds the same network in PyTorch from)",
    };

    public ArchitectureVerb()
    {
        Command = new Command(
            "architecture",
            "Print the decoder's layers (Layer, Input, InSize, K, S, OutSize as in the paper's Tables 3-7) and its "
                + "parameter count."
        )
        {
            _representation,
            _size,
            _width,
            _alexNet,
            _json,
        };
        Command.SetAction(Run);
    }

    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        var registry = CommonOptions.Registry(parse.GetValue(_alexNet));
        var descriptor = CommonOptions.Resolve(registry, parse.GetValue(_representation)!);
        int size = parse.GetValue(_size);
        double width = parse.GetValue(_width);
        var sizes = DecoderArchitecture.SizesFor(descriptor);
        if (!sizes.Contains(size))
            throw new UsageException($"--size must be one of {string.Join(", ", sizes)} for {descriptor.Name}");
        if (width is <= 0 or > 4)
            throw new UsageException("--width must be in (0, 4]");
        var spec = DecoderArchitecture.For(descriptor, size, width);
        parse.InvocationConfiguration.Output.WriteLine(parse.GetValue(_json) ? Json(spec) : spec.Table());
        return 0;
    }

    /// <summary>The layers with everything a framework needs to build them (padding, output padding), the input
    /// shape, parameter and multiply-add counts.</summary>
    private static string Json(DecoderSpec spec) =>
        System.Text.Json.JsonSerializer.Serialize(
            new
            {
                representation = spec.Representation.Name,
                imageSize = spec.ImageSize,
                width = spec.Width,
                input = new
                {
                    channels = spec.Input.Channels,
                    rows = spec.Input.Rows,
                    cols = spec.Input.Cols,
                },
                parameters = spec.Parameters,
                multiplyAdds = spec.MultiplyAdds,
                leakySlope = FeatureInversion.Decoders.DecoderNetwork.LeakySlope,
                layers = spec.Layers.Select(l => new
                {
                    name = l.Name,
                    kind = l.Kind.ToString(),
                    inputs = l.Inputs,
                    inChannels = l.InChannels,
                    outChannels = l.OutChannels,
                    kernel = l.Kernel,
                    stride = l.Stride,
                    padding = l.Padding,
                    outputPadding = l.OutputPadding,
                    inSize = l.InSize,
                    outSize = l.OutSize,
                    activation = l.Activation,
                }),
            },
            Indented
        );

    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };
}
