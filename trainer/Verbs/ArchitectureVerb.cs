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
        parse.InvocationConfiguration.Output.WriteLine(DecoderArchitecture.For(descriptor, size, width).Table());
        return 0;
    }
}
