using System.CommandLine;
using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Features.Sources;
using FeatureInversion.Imaging;

namespace FeatureInversion.Trainer.Verbs;

/// <summary><c>reconstruct</c>: a photo's centred square, or the whole image a feature file describes.</summary>
internal sealed class ReconstructVerb : IVerb
{
    private readonly Argument<DirectoryInfo> _checkpoint = new("checkpoint")
    {
        Description = "Decoder checkpoint folder",
    };
    private readonly Argument<FileInfo> _input = new("input")
    {
        Description =
            "A photo (its centred square is used); a feature map .npy (C × H × W, any size); or SIFT keypoints from a "
            + "COLMAP database (.db), OpenCV (.npz: keypoints, descriptors), Lowe's .key or COLMAP's feature text "
            + "(.txt), or `features sift` (.npy, N × 132), for a sift-grid decoder",
    };
    private readonly Option<FileInfo> _output = new("--output", "-o")
    {
        Description =
            "The PNG to write; a folder (one PNG per image) when the input holds several images, as a COLMAP database "
            + "does",
        Required = true,
        HelpName = "out.png",
    };
    private readonly Option<string?> _imageSize = new("--image-size")
    {
        Description =
            "The photo's size for keypoint files that do not store it (OpenCV .npz, .key, COLMAP text, N × 132 "
            + ".npy); default: the keypoints' extent",
        HelpName = "WxH",
    };
    private readonly Option<int?> _workingSide = new("--working-side")
    {
        Description =
            "Short side (px) at which keypoints are laid on the grid; default: where the decoder's training crops put "
            + "a photo's (107 for 64-px decoders)",
        HelpName = "pixels",
    };
    private readonly Option<bool> _allScales = new("--all-scales")
    {
        Description =
            "Keep keypoints smaller than the detector finds at the working resolution (dropped by default: the "
            + "decoder never saw such)",
    };
    private readonly Option<bool> _whole = new("--whole")
    {
        Description =
            "For a photo: the whole photo at the working resolution (--working-side) instead of its centred square at "
            + "the decoder's size",
    };
    private readonly Option<DeviceChoice> _device = CommonOptions.Device();
    private readonly Option<FileInfo?> _alexNet = CommonOptions.AlexNet();

    public ReconstructVerb()
    {
        _workingSide.Validators.Add(r =>
        {
            if (r.GetValue(_workingSide) is < 16 or > 4096)
                r.AddError("--working-side must be 16 to 4096 pixels.");
        });
        _imageSize.Validators.Add(r =>
        {
            if (r.GetValue(_imageSize) is { } s && ParseSize(s) is null)
                r.AddError($"--image-size '{s}' is not WIDTHxHEIGHT (e.g. 640x480).");
        });
        Command = new Command(
            "reconstruct",
            "Reconstructs the centred square of a photo, or the whole image a feature file (map, COLMAP database, "
                + "OpenCV or keypoint file) describes."
        )
        {
            _checkpoint,
            _input,
            _output,
            _imageSize,
            _workingSide,
            _allScales,
            _whole,
            _device,
            _alexNet,
        };
        Command.SetAction(Run);
    }

    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        var input = CommonOptions.ExistingFile(parse.GetValue(_input)!);
        var checkpoint = CommonOptions.ExistingFolder(parse.GetValue(_checkpoint)!);
        var output = parse.GetValue(_output)!;
        var console = parse.InvocationConfiguration.Output;
        var (network, manifest) = DecoderCheckpoint.Load(
            checkpoint.FullName,
            CommonOptions.Registry(parse.GetValue(_alexNet)),
            device: TorchDevices.Resolve(parse.GetValue(_device))
        );
        using (network)
        {
            if (!IsFeatureFile(input) && parse.GetValue(_whole))
            {
                var photo = ImageFiles.Load(input.FullName);
                network.Spec.Representation.EnsureAccepts(input.Name, photo.Width, photo.Height);
                var (_, whole) = FeatureFileReconstruction.WholePhoto(network, photo, parse.GetValue(_workingSide));
                ImageFiles.SavePng(whole, output.FullName);
                console.WriteLine(
                    $"{manifest.Version}: {input.Name} (whole, {whole.Width}x{whole.Height}) -> {output}"
                );
                return 0;
            }
            if (!IsFeatureFile(input))
            {
                // The decoder's view, decoded at 3 bytes per photo pixel; photos smaller than a feature cell are
                // refused as everywhere.
                var (view, header) = ImageFiles.DecodeView(
                    ImageFiles.ReadFile(input.FullName),
                    input.Name,
                    network.Spec.ImageSize
                );
                network.Spec.Representation.EnsureAccepts(input.Name, header);
                ImageFiles.SavePng(DecoderInference.FromPhoto(network, view).Reconstruction, output.FullName);
                console.WriteLine($"{manifest.Version}: {input.Name} -> {output}");
                return 0;
            }
            var size = parse.GetValue(_imageSize) is { } s ? ParseSize(s) : null;
            var results = FeatureFileReconstruction.Run(
                network,
                input.FullName,
                out var refused,
                size,
                parse.GetValue(_workingSide),
                allScales: parse.GetValue(_allScales)
            );
            bool folder = results.Count + refused.Count > 1;
            if (folder)
                Directory.CreateDirectory(output.FullName);
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var r in results)
            {
                string path = folder
                    ? Path.Combine(output.FullName, UniqueName(r.Name, names) + ".png")
                    : output.FullName;
                ImageFiles.SavePng(r.Image, path);
                console.WriteLine(
                    $"{manifest.Version}: {input.Name} [{r.Source}] {r.Name} -> {path} "
                        + $"({r.Image.Width}x{r.Image.Height})"
                );
                foreach (var note in r.Notes)
                    console.WriteLine($"  note: {note}");
            }
            foreach (var r in refused)
                parse.InvocationConfiguration.Error.WriteLine(
                    $"error: {input.Name}: image '{r.Name}' not reconstructed: {r.Reason}."
                );
            return refused.Count == 0 ? 0 : 1;
        }
    }

    /// <summary>A feature file by content: .npy, .npz, SQLite, SIFT text; a photo otherwise (the image path reports
    /// what it is not).</summary>
    private static bool IsFeatureFile(FileInfo file) =>
        file.Extension.Equals(".npy", StringComparison.OrdinalIgnoreCase)
        || DescriptorFiles.Kind(file.FullName) is not null;

    private static (int, int)? ParseSize(string text)
    {
        var parts = text.Split('x', 'X');
        return
            parts.Length == 2
            && int.TryParse(parts[0], out int w)
            && int.TryParse(parts[1], out int h)
            && w is >= 1 and <= 65536
            && h is >= 1 and <= 65536
            ? (w, h)
            : null;
    }

    /// <summary>A file name from an image name the database stores (paths, any characters): letters, digits, '.', '-',
    /// '_'.</summary>
    private static string UniqueName(string name, HashSet<string> taken)
    {
        var safe = new string(
            Path.GetFileNameWithoutExtension(name.Replace('\\', '/').Split('/')[^1])
                .Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')
                .ToArray()
        ).TrimStart('.');
        if (safe.Length == 0)
            safe = "image";
        string candidate = safe;
        for (int i = 2; !taken.Add(candidate); i++)
            candidate = $"{safe}-{i}";
        return candidate;
    }
}
