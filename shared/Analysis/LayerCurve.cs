using FeatureInversion.Decoders;
using FeatureInversion.Models;
using FeatureInversion.Onnx;

namespace FeatureInversion.Analysis;

/// <summary>
/// The paper's Figure 7 from the manifests of trained ResNet18 layer decoders: per layer, the newest evaluated
/// fixed-encoder decoder and the newest autoencoder, against the mean-image baseline (averaged over the manifests).
/// </summary>
public sealed record LayerCurve(
    int ImageSize,
    IReadOnlyList<string> Layers,
    IReadOnlyList<double?> FixedEncoder,
    IReadOnlyList<double?> Autoencoder,
    double Baseline
)
{
    public static LayerCurve From(IEnumerable<DecoderManifest> manifests)
    {
        var deep = manifests
            .Where(m =>
                m.Representation.StartsWith(ResNet18Representation.Prefix, StringComparison.Ordinal)
                && m.Evaluation is not null
            )
            .ToList();
        if (deep.Count == 0)
            throw new InvalidDataException("no evaluated resnet18-* decoders among the given manifests");
        var layers = ResNet18Layers.All.Keys.ToList();
        double? Error(string layer, bool autoencoder) =>
            deep.Where(m =>
                    m.Representation == ResNet18Representation.Prefix + layer
                    && m.RepresentationSettings.ContainsKey(DecoderCheckpoint.EncoderSetting) == autoencoder
                )
                .OrderByDescending(m => m.CreatedUtc)
                .Select(m => (double?)m.Evaluation!.NormalizedError)
                .FirstOrDefault();
        return new LayerCurve(
            deep[0].ImageSize,
            layers,
            layers.Select(l => Error(l, false)).ToList(),
            layers.Select(l => Error(l, true)).ToList(),
            deep.Average(m => m.Evaluation!.MeanImageBaselineError)
        );
    }

    /// <summary>The plot as PNG bytes.</summary>
    public byte[] RenderPng()
    {
        var series = new List<PlotSeries> { new("fixed ResNet18 encoder", (0.12f, 0.35f, 0.75f), FixedEncoder) };
        if (Autoencoder.Any(e => e is not null))
            series.Add(new("autoencoder", (0.85f, 0.33f, 0.1f), Autoencoder));
        series.Add(new("mean image", (0.5f, 0.5f, 0.5f), Layers.Select(_ => (double?)Baseline).ToList()));
        return ErrorCurvePlot.Render(
            $"ResNet18 layer inversion, {ImageSize}x{ImageSize}, held-out photos",
            Layers,
            series
        );
    }
}
