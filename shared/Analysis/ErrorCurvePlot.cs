using FeatureInversion.Imaging;
using ScottPlot;

namespace FeatureInversion.Analysis;

/// <summary>One line of an <see cref="ErrorCurvePlot"/>; <paramref name="Dashed"/> tells a second family of lines (e.g.
/// the autoencoders) from the first in the same colours; null values break the line.</summary>
public sealed record PlotSeries(
    string Label,
    (float R, float G, float B) Color,
    IReadOnlyList<double?> Values,
    bool Dashed = false
);

/// <summary>
/// The paper's Figure 7 kind of plot, drawn with ScottPlot 5: normalized reconstruction error (y, lower is better)
/// per network layer (x), one line with markers per series (fixed encoder, autoencoder, baseline…) and a legend.
/// Text uses DejaVu Sans (Debian's fonts-dejavu-core).
/// </summary>
public static class ErrorCurvePlot
{
    public const string Font = "DejaVu Sans";

    /// <summary>The plot as PNG bytes.</summary>
    public static byte[] Render(
        string title,
        IReadOnlyList<string> layers,
        IReadOnlyList<PlotSeries> series,
        double yMin = 0,
        double yMax = 1,
        int width = 900,
        int height = 520,
        string xLabel = "layer",
        bool legendOutside = false,
        string yLabel = "normalized error (lower is better)"
    )
    {
        if (layers.Count == 0)
            throw new ArgumentException("Need at least one layer.", nameof(layers));
        var plot = new Plot();
        plot.Font.Set(Font);
        foreach (var s in series)
        {
            if (s.Values.Count != layers.Count)
                throw new ArgumentException(
                    $"Series '{s.Label}' has {s.Values.Count} values for {layers.Count} layers."
                );
            var color = new Color((byte)(s.Color.R * 255), (byte)(s.Color.G * 255), (byte)(s.Color.B * 255));
            bool labelled = false;
            // One scatter per run of present values, so a missing layer breaks the line instead of bridging it.
            for (int i = 0; i < layers.Count; )
            {
                if (s.Values[i] is null)
                {
                    i++;
                    continue;
                }
                int j = i;
                while (j < layers.Count && s.Values[j] is not null)
                    j++;
                var xs = Enumerable.Range(i, j - i).Select(k => (double)k).ToArray();
                var ys = Enumerable.Range(i, j - i).Select(k => s.Values[k]!.Value).ToArray();
                var line = plot.Add.Scatter(xs, ys, color);
                line.LineWidth = 2;
                if (s.Dashed)
                    line.LinePattern = LinePattern.Dashed;
                line.MarkerSize = 8;
                if (!labelled)
                {
                    line.LegendText = s.Label;
                    labelled = true;
                }
                i = j;
            }
        }
        double[] positions = Enumerable.Range(0, layers.Count).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, layers.ToArray());
        plot.Axes.SetLimits(-0.3, layers.Count - 0.7, yMin, yMax);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (legendOutside)
            plot.ShowLegend(Edge.Right); // many lines: keep the legend off the data
        else
            plot.ShowLegend(Alignment.UpperLeft);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>The plot as an image (for composing or inspecting).</summary>
    public static ColorImage Draw(
        string title,
        IReadOnlyList<string> layers,
        IReadOnlyList<PlotSeries> series,
        double yMin = 0,
        double yMax = 1,
        int width = 900,
        int height = 520
    ) => ImageFiles.Decode(Render(title, layers, series, yMin, yMax, width, height), "plot");
}
