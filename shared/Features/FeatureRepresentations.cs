namespace FeatureInversion.Features;

/// <summary>Creates representations by their stable names, so manifests, jobs and the CLI can refer to them.</summary>
public static class FeatureRepresentations
{
    /// <summary>Names of the hand-designed representations of the paper's Table 2.</summary>
    public static IReadOnlyList<string> Names { get; } = ["hog", "lbp", "sift-grid"];

    /// <summary>Names of the deep representations: the layers of the ImageNet-trained ResNet18.</summary>
    public static IReadOnlyList<string> DeepNames { get; } = Onnx.ResNet18Layers.All.Keys.Select(k => ResNet18Representation.Prefix + k).ToList();

    /// <summary>Creates a new instance with the paper's settings (HOG cell 8, LBP cell 16, SIFT on 4-px cells).</summary>
    public static IFeatureRepresentation Create(string name) => name.ToLowerInvariant() switch
    {
        "hog" => new HogExtractor(),
        "lbp" => new LbpExtractor(),
        "sift-grid" => new SparseSiftGrid(),
        _ when name.StartsWith(ResNet18Representation.Prefix, StringComparison.OrdinalIgnoreCase) => new ResNet18Representation(name[ResNet18Representation.Prefix.Length..].ToLowerInvariant()),
        _ => throw new ArgumentException($"Unknown representation '{name}'. Known: {string.Join(", ", Names.Concat(DeepNames))}.", nameof(name)),
    };
}
