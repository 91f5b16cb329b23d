using System.Reflection;

namespace FeatureInversion.Onnx;

/// <summary>
/// Where the ImageNet-trained ResNet18 is: the NuGet package <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> 0.23.1,
/// which the build downloads (PackageDownload) into the NuGet cache recorded at build time, or a folder with
/// ResNet18.onnx and ResNetPreprocess.onnx. Hosts choose (the CLI and the worker read <see cref="FolderVariable"/>);
/// this library reads no environment. The files are checked when the model is first loaded.
/// </summary>
public sealed record ResNet18Files(string Model, string Preprocess)
{
    /// <summary>Environment variable naming a folder with the two files; read by the hosts, never by this
    /// library.</summary>
    public const string FolderVariable = "FEATURE_INVERSION_RESNET18";

    private const string Package = "Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1";

    /// <summary>The files in <paramref name="folder"/>, or the packaged ones when it is null or empty.</summary>
    public static ResNet18Files Resolve(string? folder) => string.IsNullOrEmpty(folder) ? Packaged() : InFolder(folder);

    public static ResNet18Files InFolder(string folder) =>
        new(Path.Combine(folder, "ResNet18.onnx"), Path.Combine(folder, "ResNetPreprocess.onnx"));

    /// <summary>The files in the NuGet cache the build recorded (an empty path when it recorded none: loading then
    /// says to set <see cref="FolderVariable"/>).</summary>
    public static ResNet18Files Packaged()
    {
        string? root = typeof(ResNet18Files)
            .Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "NuGetPackageRoot")
            ?.Value;
        string Tool(string folder, string file) =>
            string.IsNullOrEmpty(root)
                ? ""
                : Path.Combine(
                    root,
                    "microsoft.ml.dnnimagefeaturizer.resnet18",
                    "0.23.1",
                    "tools",
                    "DnnImageModels",
                    folder,
                    file
                );
        return new(Tool("ResNet18Onnx", "ResNet18.onnx"), Tool("ResNetPrepOnnx", "ResNetPreprocess.onnx"));
    }

    /// <summary>The path, when the file exists; else why it is missing and what to do.</summary>
    public static string Existing(string path) =>
        path.Length == 0
            ? throw new FileNotFoundException(
                $"ResNet18 model: no NuGet cache was recorded at build time; set {FolderVariable} to a folder with "
                    + "ResNet18.onnx and ResNetPreprocess.onnx."
            )
        : File.Exists(path) ? path
        : throw new FileNotFoundException(
            $"{path}: ResNet18 model missing; restore the solution (it downloads {Package}) or set "
                + $"{FolderVariable} to a folder with the files.",
            path
        );
}
