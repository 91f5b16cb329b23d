using System.CommandLine;
using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Imaging;

namespace FeatureInversion.Trainer.Verbs;

/// <summary><c>reconstruct</c>: one image (its centred square) or a stored feature array through a decoder.</summary>
internal sealed class ReconstructVerb : IVerb
{
    private readonly Argument<DirectoryInfo> _checkpoint = new("checkpoint") { Description = "Decoder checkpoint folder" };
    private readonly Argument<FileInfo> _input = new("input") { Description = "A photo (its centred square is used) or features.npy of the decoder's input shape" };
    private readonly Option<FileInfo> _output = new("--output", "-o") { Description = "The PNG to write", Required = true, HelpName = "out.png" };
    private readonly Option<DeviceChoice> _device = CommonOptions.Device();
    private readonly Option<FileInfo?> _alexNet = CommonOptions.AlexNet();

    public ReconstructVerb()
    {
        Command = new Command("reconstruct", "Reconstructs the centred square of a photo, or stored features of the decoder's input shape.")
        {
            _checkpoint, _input, _output, _device, _alexNet,
        };
        Command.SetAction(Run);
    }

    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        var input = CommonOptions.ExistingFile(parse.GetValue(_input)!);
        var checkpoint = CommonOptions.ExistingFolder(parse.GetValue(_checkpoint)!);
        var output = parse.GetValue(_output)!;
        var (network, manifest) = DecoderCheckpoint.Load(checkpoint.FullName, CommonOptions.Registry(parse.GetValue(_alexNet)), device: TorchDevices.Resolve(parse.GetValue(_device)));
        using (network)
        {
            ColorImage image;
            if (input.Extension.Equals(".npy", StringComparison.OrdinalIgnoreCase)) image = DecoderInference.FromNpy(network, input.FullName);
            else
            {
                // The decoder's view, decoded at 3 bytes per photo pixel; photos smaller than a feature cell are refused as everywhere.
                var (view, header) = ImageFiles.DecodeView(ImageFiles.ReadFile(input.FullName), input.Name, network.Spec.ImageSize);
                network.Spec.Representation.EnsureAccepts(input.Name, header);
                image = DecoderInference.FromPhoto(network, view).Reconstruction;
            }
            ImageFiles.SavePng(image, output.FullName);
        }
        parse.InvocationConfiguration.Output.WriteLine($"{manifest.Version}: {input.Name} -> {output}");
        return 0;
    }
}
