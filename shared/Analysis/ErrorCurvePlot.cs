using System.Globalization;
using FeatureInversion.Imaging;

namespace FeatureInversion.Analysis;

/// <summary>One line of an error-per-layer plot.</summary>
public sealed record PlotSeries(string Label, (float R, float G, float B) Color, IReadOnlyList<double?> Values);

/// <summary>
/// Draws the paper's Figure 7 kind of plot: normalized reconstruction error (y) per network layer (x), one line per
/// series (fixed encoder, autoencoder, baseline…), with axes, gridlines, tick labels and a legend, as a PNG-ready
/// <see cref="ColorImage"/>. Missing values (null) break the line.
/// </summary>
public static class ErrorCurvePlot
{
    public static ColorImage Draw(string title, IReadOnlyList<string> layers, IReadOnlyList<PlotSeries> series, double yMin = 0, double yMax = 1,
        int width = 900, int height = 520)
    {
        var image = new ColorImage(width, height);
        Array.Fill(image.Planes, 1f);
        const int left = 70, right = 30, top = 50, bottom = 70;
        int plotW = width - left - right, plotH = height - top - bottom;
        int X(int i) => left + (layers.Count == 1 ? plotW / 2 : i * plotW / (layers.Count - 1));
        int Y(double v) => top + (int)Math.Round((yMax - Math.Clamp(v, yMin, yMax)) / (yMax - yMin) * plotH);
        var gray = (0.85f, 0.85f, 0.85f);
        var black = (0f, 0f, 0f);

        for (double v = yMin; v <= yMax + 1e-9; v += 0.1)
        {
            Line(image, left, Y(v), left + plotW, Y(v), gray);
            string label = v.ToString("0.0", CultureInfo.InvariantCulture);
            Text(image, label, left - 8 - BitmapFont.TextWidth(label, 2), Y(v) - 7, 2, black);
        }
        Line(image, left, top, left, top + plotH, black);
        Line(image, left, top + plotH, left + plotW, top + plotH, black);
        for (int i = 0; i < layers.Count; i++)
        {
            Line(image, X(i), top + plotH, X(i), top + plotH + 6, black);
            Text(image, layers[i], X(i) - BitmapFont.TextWidth(layers[i], 2) / 2, top + plotH + 12, 2, black);
        }
        Text(image, title, left, 14, 2, black);
        Text(image, "normalized error", 4, top - 22, 1, black);

        int legendY = top + plotH + 40;
        int legendX = left;
        foreach (var s in series)
        {
            for (int i = 0; i + 1 < s.Values.Count; i++)
            {
                if (s.Values[i] is { } a && s.Values[i + 1] is { } b)
                    for (int t = -1; t <= 1; t++) Line(image, X(i), Y(a) + t, X(i + 1), Y(b) + t, s.Color);
            }
            for (int i = 0; i < s.Values.Count; i++)
                if (s.Values[i] is { } v) Box(image, X(i) - 4, Y(v) - 4, 9, s.Color);
            Box(image, legendX, legendY + 2, 10, s.Color);
            Text(image, s.Label, legendX + 16, legendY, 2, black);
            legendX += 16 + BitmapFont.TextWidth(s.Label, 2) + 30;
        }
        return image;
    }

    private static void Set(ColorImage image, int x, int y, (float R, float G, float B) c)
    {
        if ((uint)x >= image.Width || (uint)y >= image.Height) return;
        int n = image.Width * image.Height, i = y * image.Width + x;
        image.Planes[i] = c.R;
        image.Planes[n + i] = c.G;
        image.Planes[2 * n + i] = c.B;
    }

    private static void Line(ColorImage image, int x0, int y0, int x1, int y1, (float, float, float) c)
    {
        int steps = Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0));
        for (int s = 0; s <= steps; s++)
        {
            double t = steps == 0 ? 0 : (double)s / steps;
            Set(image, (int)Math.Round(x0 + t * (x1 - x0)), (int)Math.Round(y0 + t * (y1 - y0)), c);
        }
    }

    private static void Box(ColorImage image, int x0, int y0, int size, (float, float, float) c)
    {
        for (int y = 0; y < size; y++) for (int x = 0; x < size; x++) Set(image, x0 + x, y0 + y, c);
    }

    private static void Text(ColorImage image, string text, int x, int y, int scale, (float, float, float) c)
    {
        foreach (var (px, py) in BitmapFont.Pixels(text, x, y, scale)) Set(image, px, py, c);
    }
}
