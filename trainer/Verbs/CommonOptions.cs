using System.CommandLine;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Features;
using FeatureInversion.Onnx;

namespace FeatureInversion.Trainer.Verbs;

/// <summary>Options several verbs share, and the representation registry they resolve names in.</summary>
internal static class CommonOptions
{
    public static Option<FileInfo?> AlexNet() =>
        new("--alexnet")
        {
            Description =
                $"An AlexNet/CaffeNet ONNX file: adds its layers as alexnet-conv1 … alexnet-fc8 (also "
                + $"${CnnRepresentations.AlexNetVariable}). No AlexNet weights are bundled.",
            HelpName = "model.onnx",
        };

    public static Option<DeviceChoice> Device() =>
        new("--device")
        {
            Description = "Where TorchSharp runs: auto (CUDA when libtorch sees a GPU), cpu or cuda.",
            DefaultValueFactory = _ => DeviceChoice.Auto,
            HelpName = "auto|cpu|cuda",
            CustomParser = result =>
            {
                string value = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                if (
                    Enum.TryParse<DeviceChoice>(value, ignoreCase: true, out var choice)
                    && Enum.IsDefined(choice)
                    && !int.TryParse(value, out _)
                )
                    return choice;
                result.AddError($"--device: '{value}' is not a device; use auto, cpu or cuda");
                return DeviceChoice.Auto;
            },
        };

    /// <summary>Where the shipped decoders are looked for when no folder is named: <c>$FEATURE_INVERSION_MODELS</c>,
    /// else <c>./models</c> when it holds checkpoints, else the nearest <c>models</c> folder above the program (the
    /// repository's, for a build or <c>dotnet run</c> started anywhere).</summary>
    public const string ModelsVariable = "FEATURE_INVERSION_MODELS";

    public static DirectoryInfo DefaultModels()
    {
        if (Environment.GetEnvironmentVariable(ModelsVariable) is { Length: > 0 } set)
            return new DirectoryInfo(set);
        static bool HasCheckpoints(string dir) =>
            Directory.Exists(dir)
            && Directory.EnumerateFiles(dir, Models.DecoderManifest.FileName, SearchOption.AllDirectories).Any();
        if (HasCheckpoints("models"))
            return new DirectoryInfo("models");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (HasCheckpoints(Path.Combine(dir.FullName, "models")))
                return new DirectoryInfo(Path.Combine(dir.FullName, "models"));
        return new DirectoryInfo("models");
    }

    /// <summary>Every representation this process offers: hand-designed, ResNet18 layers (from
    /// $FEATURE_INVERSION_RESNET18 when set), AlexNet layers when given.</summary>
    public static RepresentationRegistry Registry(FileInfo? alexNet) =>
        CnnRepresentations.All(
            alexNet?.FullName ?? Environment.GetEnvironmentVariable(CnnRepresentations.AlexNetVariable),
            Environment.GetEnvironmentVariable(ResNet18Files.FolderVariable)
        );

    /// <summary>The descriptor of a representation named on the command line; an unknown name is a usage
    /// error.</summary>
    public static RepresentationDescriptor Resolve(RepresentationRegistry registry, string name)
    {
        if (registry.TryGet(name, out var d))
            return d;
        if (name.Equals("sift", StringComparison.OrdinalIgnoreCase))
            throw new UsageException(
                "'sift' (VLFeat frames, N × 132) has no decoder: frames are no grid a network can read; the paper "
                    + "inverts 'sift-grid', its sparse SIFT on a 4-px grid"
            );
        throw new UsageException(
            $"unknown representation '{name}'{Hint(name, registry, registry.Names)} (known: "
                + $"{string.Join(", ", registry.Names)})"
        );
    }

    /// <summary>What to say after "unknown representation": AlexNet layers point to <c>--alexnet</c> when no AlexNet
    /// file was given; otherwise the closest known name, if close enough to be a typo.</summary>
    public static string Hint(string name, RepresentationRegistry registry, IEnumerable<string> known) =>
        name.StartsWith(AlexNetRepresentation.Prefix, StringComparison.OrdinalIgnoreCase)
        && !registry.Names.Any(n => n.StartsWith(AlexNetRepresentation.Prefix, StringComparison.Ordinal))
            ? ": AlexNet layers need an AlexNet/CaffeNet ONNX file, --alexnet model.onnx (no AlexNet weights are "
                + "bundled)"
        : Suggest.Closest(name, known) is { } close ? $"; did you mean '{close}'?"
        : "";

    /// <summary>An input file: it must exist and be (or link to) a regular file; a device or FIFO would block or never
    /// end.</summary>
    public static FileInfo ExistingFile(FileInfo file)
    {
        if (Directory.Exists(file.FullName))
            throw new IOException($"{file}: is a folder, not a file");
        if (!file.Exists)
            throw new IOException($"{file}: no such file");
        var target = file.LinkTarget is null
            ? file.FullName
            : file.ResolveLinkTarget(returnFinalTarget: true)?.FullName;
        if (target is null || !FeatureInversion.Imaging.IO.FileStatus.IsRegular(target))
            throw new IOException($"{file}: not a regular file (a device, FIFO, socket or broken link)");
        return file;
    }

    public static DirectoryInfo ExistingFolder(DirectoryInfo dir) =>
        dir.Exists ? dir
        : File.Exists(dir.FullName) ? throw new IOException($"{dir}: is a file, not a folder")
        : throw new IOException($"{dir}: no such folder");
}
