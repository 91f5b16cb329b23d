using FeatureInversion.Imaging;

namespace FeatureInversion.Features;

/// <summary>What a feature view shows (<see cref="FeatureEnergy.Grid"/>).</summary>
public enum FeatureViewKind
{
    /// <summary>Per position, the L2 norm of the feature vector: where the map carries signal (HOG, SIFT-grid, CNN
    /// maps).</summary>
    Energy,

    /// <summary>Per position, the L2 distance of the feature vector from the map's mean vector: for maps normalised to
    /// the same norm at every position (VLFeat's LBP: √h / √Σh per cell), whose energy is flat by
    /// construction.</summary>
    Contrast,

    /// <summary>A vector (1×1 map, e.g. a pooled CNN layer): the magnitude of each channel on a near-square grid, row
    /// by row.</summary>
    Channels,
}

/// <summary>
/// A picture of what a feature map holds where, for the gallery's feature view and the contact sheets: the
/// <see cref="FeatureViewKind"/> says which picture. Energy for a spatial map (what an auditor compares with the
/// reconstruction: flat regions carry little); where every position has the same norm (relative spread under
/// <see cref="FlatTolerance"/>) energy would be one flat colour, so the view shows contrast instead (cells whose
/// texture differs from the image's typical cell stand out). Scaled by the largest value (the view shows relative
/// values, not comparable across images), coloured with a viridis-like ramp (dark blue = none, yellow = the
/// maximum), nearest-neighbour enlarged to a square.
/// </summary>
public static class FeatureEnergy
{
    /// <summary>Positions' norms within this fraction of the largest count as equal (LBP's float arithmetic gives
    /// ~1e-7).</summary>
    public const float FlatTolerance = 1e-3f;

    // Five stops of matplotlib's viridis: ordered in lightness, readable in grayscale print.
    private static readonly float[,] Ramp =
    {
        { 0.267f, 0.005f, 0.329f },
        { 0.229f, 0.322f, 0.546f },
        { 0.128f, 0.567f, 0.551f },
        { 0.369f, 0.789f, 0.383f },
        { 0.993f, 0.906f, 0.144f },
    };

    /// <summary>The colour ramp's stops from 0 (the lowest value) to the image's largest value, as 8-bit RGB: for
    /// legends.</summary>
    public static IReadOnlyList<(byte R, byte G, byte B)> RampStops { get; } =
        Enumerable
            .Range(0, Ramp.GetLength(0))
            .Select(i =>
                (
                    (byte)Math.Round(Ramp[i, 0] * 255),
                    (byte)Math.Round(Ramp[i, 1] * 255),
                    (byte)Math.Round(Ramp[i, 2] * 255)
                )
            )
            .ToList();

    /// <summary>The view's grid (rows × cols, row-major) before colouring, and what it shows.</summary>
    public static (float[] Values, int Rows, int Cols, FeatureViewKind Kind) Grid(FeatureMap map)
    {
        var (c, h, w) = (map.Shape.Channels, map.Shape.Rows, map.Shape.Cols);
        if (h * w == 1)
        {
            int cols = (int)Math.Ceiling(Math.Sqrt(c)),
                rows = (c + cols - 1) / cols;
            var cells = new float[rows * cols]; // the grid's tail beyond the last channel stays at zero
            for (int i = 0; i < c; i++)
                cells[i] = Math.Abs(map.Data[i]);
            return (cells, rows, cols, FeatureViewKind.Channels);
        }
        var energy = SquaredNorms(map, centre: false);
        float min = float.MaxValue,
            max = 0;
        foreach (float e in energy)
        {
            min = Math.Min(min, e);
            max = Math.Max(max, e);
        }
        // Compare norms, not squared norms: the tolerance is on the values the view would show.
        bool flat = max > 0 && MathF.Sqrt(max) - MathF.Sqrt(min) <= FlatTolerance * MathF.Sqrt(max);
        var values = flat ? SquaredNorms(map, centre: true) : energy;
        float largest = 0;
        for (int i = 0; i < values.Length; i++)
            largest = Math.Max(largest, values[i] = MathF.Sqrt(values[i]));
        // Cells that differ only by rounding are alike: an all-dark view, not rounding noise scaled up to full range.
        if (flat && largest <= FlatTolerance * MathF.Sqrt(max))
            Array.Clear(values);
        return (values, h, w, flat ? FeatureViewKind.Contrast : FeatureViewKind.Energy);
    }

    /// <summary>Per position, Σ_k (φ_k − m_k)² with m the mean over positions when <paramref name="centre"/>, else
    /// 0.</summary>
    private static float[] SquaredNorms(FeatureMap map, bool centre)
    {
        var sums = new float[map.Shape.Rows * map.Shape.Cols];
        for (int k = 0; k < map.Shape.Channels; k++)
        {
            var plane = map.Channel(k);
            float mean = 0;
            if (centre)
            {
                double sum = 0;
                foreach (float v in plane)
                    sum += v;
                mean = (float)(sum / plane.Length);
            }
            for (int i = 0; i < plane.Length; i++)
            {
                float d = plane[i] - mean;
                sums[i] += d * d;
            }
        }
        return sums;
    }

    /// <summary>The coloured view, <paramref name="size"/> pixels square.</summary>
    public static ColorImage Render(FeatureMap map, int size) => Render(map, size, out _);

    /// <summary>The coloured view, <paramref name="size"/> pixels square, and what it shows.</summary>
    public static ColorImage Render(FeatureMap map, int size, out FeatureViewKind kind)
    {
        var (values, rows, cols, k) = Grid(map);
        kind = k;
        return Paint(values, rows, cols, size, (t, rgb) =>
        {
            int i0 = Math.Min((int)(t * 4), 3);
            float f = t * 4 - i0;
            for (int ch = 0; ch < 3; ch++)
                rgb[ch] = Ramp[i0, ch] + f * (Ramp[i0 + 1, ch] - Ramp[i0, ch]);
        });
    }

    /// <summary>The same view in gray levels (0 = none, 1 = the maximum), for the contact sheets.</summary>
    public static ColorImage RenderGray(FeatureMap map, int size)
    {
        var (values, rows, cols, _) = Grid(map);
        return Paint(values, rows, cols, size, (t, rgb) => rgb[0] = rgb[1] = rgb[2] = t);
    }

    private delegate void Colour(float t, Span<float> rgb);

    /// <summary>Values scaled by their finite maximum to t ∈ [0, 1], coloured, nearest-neighbour enlarged to a
    /// square.</summary>
    private static ColorImage Paint(float[] values, int rows, int cols, int size, Colour colour)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        float max = 0;
        foreach (float v in values)
            if (float.IsFinite(v) && v > max)
                max = v;
        var image = new ColorImage(size, size);
        var planes = image.Planes.AsSpan();
        int plane = size * size;
        Span<float> rgb = stackalloc float[3];
        for (int y = 0; y < size; y++)
        {
            int gy = y * rows / size;
            for (int x = 0; x < size; x++)
            {
                float v = values[gy * cols + x * cols / size];
                colour(max > 0 && float.IsFinite(v) ? Math.Clamp(v / max, 0, 1) : 0, rgb);
                int p = y * size + x;
                for (int ch = 0; ch < 3; ch++)
                    planes[ch * plane + p] = rgb[ch];
            }
        }
        return image;
    }
}
