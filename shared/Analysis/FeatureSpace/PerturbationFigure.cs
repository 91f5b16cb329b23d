namespace FeatureInversion.Analysis.FeatureSpace;

/// <summary>One decoder's errors under every perturbation (<see cref="Perturbations.All"/>, in that order), for the
/// figure: the layer it decodes and whether it is an autoencoder's.</summary>
public sealed record PerturbationResult(string Layer, bool Autoencoder, IReadOnlyList<FeatureChangeError> Errors);

/// <summary>
/// The paper's Figure 7 (Dosovitskiy &amp; Brox 2016, §5.4): reconstruction error per layer (x, in the order the
/// layers first appear) for each perturbation, one line for the fixed-encoder decoders and one, dashed, for the
/// autoencoders; extra series (e.g. optimization-based inversion, one value per layer) drawn in colours no
/// perturbation uses.
/// </summary>
public static class PerturbationFigure
{
    private static readonly (float, float, float)[] PerturbationColors =
    [
        (0.1f, 0.3f, 0.8f),
        (0.85f, 0.4f, 0.1f),
        (0.2f, 0.6f, 0.2f),
        (0.6f, 0.2f, 0.6f),
        (0.5f, 0.5f, 0.5f),
    ];

    private static readonly (float, float, float)[] ExtraColors =
    [
        (0f, 0f, 0f),
        (0.8f, 0.1f, 0.1f),
        (0.1f, 0.6f, 0.7f),
        (0.6f, 0.5f, 0.1f),
    ];

    /// <summary>The figure as PNG bytes. Throws <see cref="ArgumentException"/> when an extra series has not one
    /// value per layer.</summary>
    public static byte[] Render(
        IReadOnlyList<PerturbationResult> results,
        IReadOnlyList<(string Label, IReadOnlyList<double> Values)> extra
    )
    {
        var layers = results.Select(r => r.Layer).Distinct().ToList();
        var kinds = results.Select(r => r.Autoencoder).Distinct().Order().ToList();
        var lines = new List<PlotSeries>();
        foreach (bool autoencoder in kinds)
            lines.AddRange(
                Perturbations.All.Select(
                    (p, k) =>
                        new PlotSeries(
                            kinds.Count == 1 ? p.Name : $"{(autoencoder ? "autoencoder" : "fixed")} {p.Name}",
                            PerturbationColors[k % PerturbationColors.Length],
                            layers
                                .Select(l =>
                                    results
                                        .FirstOrDefault(r => r.Layer == l && r.Autoencoder == autoencoder)
                                        ?.Errors[k]
                                        .NormalizedError
                                )
                                .ToList(),
                            Dashed: autoencoder
                        )
                )
            );
        foreach (var ((label, values), i) in extra.Select((e, i) => (e, i)))
        {
            if (values.Count != layers.Count)
                throw new ArgumentException(
                    $"--series {label} has {values.Count} values for {layers.Count} layers",
                    nameof(extra)
                );
            lines.Add(
                new PlotSeries(label, ExtraColors[i % ExtraColors.Length], values.Select(v => (double?)v).ToList())
            );
        }
        return ErrorCurvePlot.Render(
            "Reconstruction error with perturbed features",
            layers,
            lines,
            width: 1100,
            legendOutside: true
        );
    }
}
