namespace FeatureInversion.Onnx;

/// <summary>
/// The ResNet18 network and its channel means, loaded once on first use and shared by every layer registered with
/// it (inference only). A registry owns one (<see cref="CnnRepresentations.AddResNet18"/>); nothing is static, so a
/// host decides which files, and two registries may use two models.
/// </summary>
public sealed class ResNet18Model(ResNet18Files files)
{
    private readonly Lazy<(OnnxNetwork Network, float[] Mean)> _loaded = new(() => Load(files));

    /// <summary>The shared inference network (eval mode, no gradients) and the mean image's channel means.</summary>
    internal (OnnxNetwork Network, float[] Mean) Shared => _loaded.Value;

    /// <summary>A network of its own, for an encoder on another device or for training.</summary>
    internal OnnxNetwork NewNetwork(bool trainable = false) =>
        new(OnnxGraph.Load(ResNet18Files.Existing(files.Model)), trainable);

    private static (OnnxNetwork, float[]) Load(ResNet18Files files)
    {
        var prep = OnnxGraph.Load(ResNet18Files.Existing(files.Preprocess));
        var network = new OnnxNetwork(OnnxGraph.Load(ResNet18Files.Existing(files.Model)));
        network.eval();
        var (meanImage, dims) = prep.Floats.Values.Single(); // 3 x 224 x 224 BGR mean image
        int plane = (int)(dims[^1] * dims[^2]);
        var mean = Enumerable
            .Range(0, 3)
            .Select(c => (float)meanImage.AsSpan(c * plane, plane).ToArray().Average())
            .ToArray();
        return (network, mean);
    }
}
