using System.Globalization;
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

    /// <summary>
    /// A curve recorded as text (docs/data/resnet18-layers.tsv): lines <c># size N</c> and <c># baseline E</c>, then
    /// per layer <c>layer, fixed-encoder error, autoencoder error</c> tab-separated (an empty error: not trained);
    /// other lines starting with <c>#</c> are comments.
    /// </summary>
    public static LayerCurve FromTable(IEnumerable<string> lines, string name)
    {
        int size = 0;
        double? baseline = null;
        var rows = new List<(string Layer, double? Fixed, double? Auto)>();
        foreach (var line in lines.Where(l => l.Trim().Length > 0))
        {
            if (line.StartsWith('#'))
            {
                var words = line[1..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words is ["size", var n])
                    size = int.Parse(n, CultureInfo.InvariantCulture);
                else if (words is ["baseline", var b])
                    baseline = double.Parse(b, CultureInfo.InvariantCulture);
                continue;
            }
            var f = line.Split('\t');
            if (f.Length != 3)
                throw new InvalidDataException($"{name}: expected layer, fixed, autoencoder; got '{line}'.");
            rows.Add((f[0], Number(f[1]), Number(f[2])));
        }
        if (rows.Count == 0 || size <= 0 || baseline is null)
            throw new InvalidDataException($"{name}: needs '# size N', '# baseline E' and at least one layer.");
        return new LayerCurve(
            size,
            rows.Select(r => r.Layer).ToList(),
            rows.Select(r => r.Fixed).ToList(),
            rows.Select(r => r.Auto).ToList(),
            baseline.Value
        );
    }

    /// <summary>The curve as the text <see cref="FromTable"/> reads.</summary>
    public string ToTable() =>
        string.Create(CultureInfo.InvariantCulture, $"# size {ImageSize}\n# baseline {Baseline:0.000}\n")
        + string.Concat(
            Layers.Select(
                (l, i) =>
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{l}\t{FixedEncoder[i]:0.000}\t{Autoencoder[i]:0.000}\n"
                    )
            )
        );

    private static double? Number(string text) =>
        text.Trim().Length == 0 ? null : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

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
