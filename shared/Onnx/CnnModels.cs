using System.Reflection;

namespace FeatureInversion.Onnx;

/// <summary>
/// Where the ImageNet-trained ResNet18 is: <c>$FEATURE_INVERSION_RESNET18</c> (a folder with ResNet18.onnx and
/// ResNetPreprocess.onnx), else the NuGet package <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> 0.23.1, which the
/// build downloads (PackageDownload) into the NuGet cache recorded at build time. No AlexNet weights are bundled.
/// </summary>
public static class CnnModels
{
    public static string ResNet18File => Find("ResNet18Onnx", "ResNet18.onnx");
    public static string ResNetPreprocessFile => Find("ResNetPrepOnnx", "ResNetPreprocess.onnx");

    private static string Find(string folder, string file)
    {
        if (Environment.GetEnvironmentVariable("FEATURE_INVERSION_RESNET18") is { Length: > 0 } dir)
            return Checked(Path.Combine(dir, file));
        string? root = typeof(CnnModels)
            .Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "NuGetPackageRoot")
            ?.Value;
        if (string.IsNullOrEmpty(root))
            throw new FileNotFoundException($"{file}: set FEATURE_INVERSION_RESNET18 to the folder holding it.");
        return Checked(
            Path.Combine(
                root,
                "microsoft.ml.dnnimagefeaturizer.resnet18",
                "0.23.1",
                "tools",
                "DnnImageModels",
                folder,
                file
            )
        );
    }

    private static string Checked(string path) =>
        File.Exists(path)
            ? path
            : throw new FileNotFoundException(
                $"{path}: ResNet18 model missing; restore the solution (it downloads "
                    + $"Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1) or set FEATURE_INVERSION_RESNET18.",
                path
            );
}
