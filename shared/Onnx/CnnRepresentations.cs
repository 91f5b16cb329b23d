using FeatureInversion.Features;

namespace FeatureInversion.Onnx;

/// <summary>
/// Registers CNN layers as representations: the ImageNet ResNet18 bundled through NuGet (<c>resnet18-{layer}</c>)
/// and, from an ONNX file the user supplies, AlexNet/CaffeNet (<c>alexnet-{layer}</c>; no AlexNet weights are
/// bundled). Convolutional layers are inverted with the paper's Table 6 decoder, vector layers with Table 7.
/// </summary>
public static class CnnRepresentations
{
    /// <summary>Environment variable naming an AlexNet/CaffeNet ONNX file to register; read by the hosts (the worker's
    /// configuration, the CLI when <c>--alexnet</c> is not given), never by this library.</summary>
    public const string AlexNetVariable = "FEATURE_INVERSION_ALEXNET";

    /// <summary>The network's activations on a full-resolution image: measured 390 (conv1) to 770 (res5) bytes per
    /// pixel.</summary>
    private const double CnnBytesPerPixel = 800;

    /// <summary>Adds <c>resnet18-conv1</c> … <c>resnet18-pool5</c>, sharing one network loaded from
    /// <paramref name="files"/> (default: the packaged model) on first use.</summary>
    public static RepresentationRegistry AddResNet18(this RepresentationRegistry registry, ResNet18Files? files = null)
    {
        var model = new ResNet18Model(files ?? ResNet18Files.Packaged());
        foreach (var layer in ResNet18Layers.All.Keys)
        {
            var layout = layer == "pool5" ? DecoderLayout.CnnVector : DecoderLayout.CnnConvolutional;
            registry.Add(
                new RepresentationDescriptor(
                    ResNet18Representation.Prefix + layer,
                    $"ImageNet ResNet18, {layer}",
                    RepresentationKind.CnnLayer,
                    layout,
                    () => new ResNet18Representation(model, layer),
                    CnnBytesPerPixel
                )
            );
        }
        return registry;
    }

    /// <summary>Adds <c>alexnet-conv1</c> … <c>alexnet-fc8</c> computed by the network in <paramref name="onnxPath"/>.
    /// The file is checked now (exists, parses, has the AlexNet topology), not at first use.</summary>
    public static RepresentationRegistry AddAlexNet(this RepresentationRegistry registry, string onnxPath)
    {
        var graph = OnnxGraph.Load(onnxPath);
        AlexNetRepresentation.FindLayer(graph, "conv1"); // refuses other topologies with the reason
        foreach (var layer in AlexNetRepresentation.Layers)
        {
            var layout = layer.StartsWith("fc", StringComparison.Ordinal)
                ? DecoderLayout.CnnVector
                : DecoderLayout.CnnConvolutional;
            registry.Add(
                new RepresentationDescriptor(
                    AlexNetRepresentation.Prefix + layer,
                    $"AlexNet/CaffeNet from {Path.GetFileName(onnxPath)}, {layer}",
                    RepresentationKind.CnnLayer,
                    layout,
                    () => new AlexNetRepresentation(onnxPath, layer),
                    CnnBytesPerPixel
                )
            );
        }
        return registry;
    }

    /// <summary>Every representation a host with TorchSharp offers: the hand-designed ones, ResNet18's layers (from
    /// <paramref name="resNet18Folder"/>, default the packaged model), and AlexNet's when
    /// <paramref name="alexNetOnnx"/> names a file.</summary>
    public static RepresentationRegistry All(string? alexNetOnnx, string? resNet18Folder = null)
    {
        var registry = RepresentationRegistry.HandDesigned().AddResNet18(ResNet18Files.Resolve(resNet18Folder));
        return string.IsNullOrEmpty(alexNetOnnx) ? registry : registry.AddAlexNet(alexNetOnnx);
    }
}
