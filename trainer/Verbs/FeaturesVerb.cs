using System.CommandLine;
using FeatureInversion.Features;

namespace FeatureInversion.Trainer.Verbs;

/// <summary><c>features</c>: a representation of one image as a float32 .npy array.</summary>
internal sealed class FeaturesVerb : IVerb
{
    private readonly Argument<string> _representation = new("representation")
    {
        Description =
            "hog | lbp | sift-grid (channels x rows x cols), sift (N x 132 frames: x, y, scale, angle, 128-d "
            + "descriptor), or a CNN layer (resnet18-…, alexnet-… with --alexnet); all on the rgb2gray image",
    };
    private readonly Argument<FileInfo> _image = new("image") { Description = "The image file" };
    private readonly Option<FileInfo> _output = new("--output", "-o")
    {
        Description = "The .npy file to write",
        Required = true,
        HelpName = "out.npy",
    };
    private readonly Option<FileInfo?> _alexNet = CommonOptions.AlexNet();

    public FeaturesVerb()
    {
        Command = new Command(
            "features",
            "Writes the features of an image as a float32 .npy array (VLFeat 0.9.21 conventions)."
        )
        {
            _representation,
            _image,
            _output,
            _alexNet,
        };
        Command.SetAction(Run);
    }

    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var registry = CommonOptions.Registry(parse.GetValue(_alexNet));
        string representation = parse.GetValue(_representation)!;
        var names = FeatureExport.Names(registry);
        if (!names.Contains(representation, StringComparer.OrdinalIgnoreCase))
            throw new UsageException(
                $"unknown representation '{representation}'{CommonOptions.Hint(representation, registry, names)} "
                    + $"(known: {string.Join(", ", names)})"
            );
        var image = CommonOptions.ExistingFile(parse.GetValue(_image)!);
        var output = parse.GetValue(_output)!;
        var shape = FeatureExport.Write(registry, representation, image.FullName, output.FullName);
        stdout.WriteLine($"{representation} {image.Name} -> {output} float32 ({string.Join(", ", shape)})");
        return 0;
    }
}
