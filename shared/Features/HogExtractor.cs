using System.Numerics;
using FeatureInversion.Imaging;

namespace FeatureInversion.Features;

/// <summary>
/// Histogram of Oriented Gradients, the UoCTTI variant of Felzenszwalb et al. (PAMI 2010) exactly as VLFeat
/// 0.9.21 <c>vl_hog</c> computes it (9 orientations, hard orientation assignment, not transposed).
/// </summary>
/// <remarks>
/// <para>Grid: (W + cell/2) / cell × (H + cell/2) / cell cells (integer division), so the last cell is at least
/// half inside the image. Gradients are central differences for pixels 1..W−2, 1..H−2; border pixels add
/// nothing.</para>
/// <para>Orientation: the gradient goes to the k in 0..8 maximising |g·u_k|, u_k = (cos kπ/9, sin kπ/9) with y
/// pointing down; a negative dot product selects the directed bin k + 9. Weight = gradient magnitude, spread
/// bilinearly over the four nearest cell centres.</para>
/// <para>Normalisation: each cell is covered by four 2×2 blocks; block factor = 1 / √(Σ cell energies + 1e-4),
/// energy = Σ_k (h_k + h_k+9)², neighbours clamped at the border. Per block, ha = factor·h_k, hb = factor·h_k+9
/// and hc = ha + hb are clamped at 0.2.</para>
/// <para>Output (31 channels, channels × rows × cols): 0–8 directed ½Σ clamp(ha), 9–17 directed ½Σ clamp(hb),
/// 18–26 undirected ½Σ clamp(hc), 27–30 texture energies (1/√18)·Σ_k clamp(hc) of the up-left, up-right,
/// down-left and down-right blocks. This is VLFeat's memory layout <c>features[x + W·y + W·H·k]</c>.</para>
/// </remarks>
public sealed class HogExtractor : IFeatureRepresentation
{
    public const int Orientations = 9;
    public const int Dimension = 3 * Orientations + 4;
    public const int DefaultCellSize = 8;

    /// <summary>1/√18 rounded to float first, as VLFeat's <c>1.0f / sqrtf(18.0f)</c>.</summary>
    private static readonly double TextureScale = 1.0f / MathF.Sqrt(18f);

    private static readonly float[] OrientationX = new float[Orientations];
    private static readonly float[] OrientationY = new float[Orientations];

    private readonly CellHistogram _histogram = new(2 * Orientations);
    private float[] _magnitude = [];
    private int[] _bin = [];
    private double[] _energy = [];

    static HogExtractor()
    {
        for (int k = 0; k < Orientations; k++)
        {
            double angle = k * Math.PI / Orientations;
            OrientationX[k] = (float)Math.Cos(angle);
            OrientationY[k] = (float)Math.Sin(angle);
        }
    }

    public HogExtractor(int cellSize = DefaultCellSize)
    {
        if (cellSize < 2)
            throw new ArgumentOutOfRangeException(
                nameof(cellSize),
                cellSize,
                "HOG cell size must be at least 2 pixels."
            );
        CellSize = cellSize;
        Settings = new Dictionary<string, string>
        {
            ["variant"] = "uoctti",
            ["cellSize"] = cellSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["orientations"] = "9",
        };
    }

    public int CellSize { get; }

    /// <summary>VLFeat's bilinear spatial binning of pixel coordinate <paramref name="pixel"/>: the cell before it
    /// (may be −1) and the weights it gives that cell and the next (for differentiable re-implementations).</summary>
    public static (int Cell, float Left, float Right) SpatialBin(int pixel, int cellSize)
    {
        var (index, left, right) = CellHistogram.Split(pixel, cellSize);
        return (index - 1, left, right); // Split's index counts a padding cell
    }

    public string Name => "hog";

    public IReadOnlyDictionary<string, string> Settings { get; }

    public FeatureShape OutputShape(int width, int height)
    {
        FeatureInput.EnsureSize(Name, width, height, Math.Max(CellSize, 4));
        return new FeatureShape(Dimension, (height + CellSize / 2) / CellSize, (width + CellSize / 2) / CellSize);
    }

    public void Extract(GrayImage image, Span<float> output)
    {
        var shape = OutputShape(image.Width, image.Height);
        FeatureInput.Validate(Name, image, Math.Max(CellSize, 4), shape, output.Length);
        _histogram.Reset(image.Width, shape.Rows, shape.Cols, CellSize);
        Accumulate(image);
        Normalize(shape, output);
    }

    private void Accumulate(GrayImage image)
    {
        int width = image.Width;
        if (_magnitude.Length < width)
        {
            _magnitude = new float[width];
            _bin = new int[width];
        }
        var pixels = image.Pixels;
        for (int y = 1; y < image.Height - 1; y++)
        {
            OrientRow(pixels, width, y);
            _histogram.AddRow(_bin, _magnitude, 1, width - 1);
            _histogram.EndRow(y);
        }
    }

    /// <summary>
    /// Magnitude and hard orientation bin of pixels 1..W−2 of row y, with VLFeat's float operations in its
    /// order so that ties (e.g. purely vertical gradients) resolve to the same bin: VLFeat 0.9.21 scores the
    /// orientations with the raw, unnormalised gradient (normalising first rounds differently and can move a
    /// gradient that lies between two bins to the other one; ../shared fixture hog-vlfeat-mismatch-64x64.png).
    /// Zero gradients get weight 0.
    /// </summary>
    private void OrientRow(float[] pixels, int width, int y)
    {
        int row = y * width;
        int x = 1;
        if (Vector.IsHardwareAccelerated)
        {
            int k9 = Orientations;
            for (; x + Vector<float>.Count <= width - 1; x += Vector<float>.Count)
            {
                int i = row + x;
                var gx = new Vector<float>(pixels, i + 1) - new Vector<float>(pixels, i - 1);
                var gy = new Vector<float>(pixels, i + width) - new Vector<float>(pixels, i - width);
                var grad = Vector.SquareRoot(gx * gx + gy * gy);
                var best = Vector<float>.Zero;
                var bestBin = Vector<int>.Zero;
                for (int k = 0; k < Orientations; k++)
                {
                    var score = gx * new Vector<float>(OrientationX[k]) + gy * new Vector<float>(OrientationY[k]);
                    var negative = Vector.LessThan(score, Vector<float>.Zero);
                    var magnitude = Vector.Abs(score);
                    var bin = Vector.ConditionalSelect(negative, new Vector<int>(k + k9), new Vector<int>(k));
                    var better = Vector.GreaterThan(magnitude, best);
                    best = Vector.ConditionalSelect(better, magnitude, best);
                    bestBin = Vector.ConditionalSelect(better, bin, bestBin);
                }
                grad.CopyTo(_magnitude, x);
                bestBin.CopyTo(_bin, x);
            }
        }
        for (; x < width - 1; x++)
        {
            int i = row + x;
            float gx = pixels[i + 1] - pixels[i - 1];
            float gy = pixels[i + width] - pixels[i - width];
            float grad = MathF.Sqrt(gx * gx + gy * gy);
            float best = 0;
            int bestBin = 0;
            for (int k = 0; k < Orientations; k++)
            {
                float score = gx * OrientationX[k] + gy * OrientationY[k];
                int bin = k;
                if (score < 0)
                {
                    score = -score;
                    bin += Orientations;
                }
                if (score > best)
                {
                    best = score;
                    bestBin = bin;
                }
            }
            _magnitude[x] = grad;
            _bin[x] = bestBin;
        }
    }

    private void Normalize(FeatureShape shape, Span<float> output)
    {
        int rows = shape.Rows,
            cols = shape.Cols,
            plane = rows * cols;
        if (_energy.Length != plane)
            _energy = new double[plane];
        var h = _histogram;

        // Cell energy of the undirected histogram (directed bins folded), accumulated in float as VLFeat does;
        // vector-wide across the cells of a row, each lane summing its bins in order.
        int lanes = Vector<float>.Count;
        for (int r = 0; r < rows; r++)
        {
            var energyRow = _energy.AsSpan(r * cols, cols);
            int c = 0;
            for (; c + lanes <= cols; c += lanes)
            {
                var energy = Vector<float>.Zero;
                for (int k = 0; k < Orientations; k++)
                {
                    var folded =
                        new Vector<float>(h.Row(k, r)[c..]) + new Vector<float>(h.Row(k + Orientations, r)[c..]);
                    energy += folded * folded;
                }
                Vector.Widen(energy, out var low, out var high);
                low.CopyTo(energyRow[c..]);
                high.CopyTo(energyRow[(c + lanes / 2)..]);
            }
            for (; c < cols; c++)
            {
                float energy = 0;
                for (int k = 0; k < Orientations; k++)
                {
                    float folded = h[k, r, c] + h[k + Orientations, r, c];
                    energy += folded * folded;
                }
                energyRow[c] = energy;
            }
        }

        // Interior cells vector-wide (the same double operations lane by lane), border cells one by one.
        for (int r = 0; r < rows; r++)
        {
            int c = 0;
            NormalizeCell(r, c++, rows, cols, output);
            for (; c + lanes <= cols - 1; c += lanes)
                NormalizeCells(r, c, rows, cols, output);
            for (; c < cols; c++)
                NormalizeCell(r, c, rows, cols, output);
        }
    }

    /// <summary>
    /// Cells (r, c)…(r, c + lanes − 1), all with both column neighbours inside the array: the four block factors
    /// 1/√(Σ energies + 1e-4), then per orientation the clamped directed, opposite and undirected sums, in
    /// <see cref="NormalizeCell"/>'s order of operations.
    /// </summary>
    private void NormalizeCells(int r, int c, int rows, int cols, Span<float> output)
    {
        int plane = rows * cols;
        int rm = Math.Max(r - 1, 0),
            rp = Math.Min(r + 1, rows - 1);
        int half = Vector<double>.Count;
        var h = _histogram;
        Span<Vector<double>> f = stackalloc Vector<double>[8];
        for (int part = 0; part < 2; part++)
        {
            int at = c + part * half;
            var e = _energy;
            var n1 = new Vector<double>(e, rm * cols + at - 1);
            var n2 = new Vector<double>(e, rm * cols + at);
            var n3 = new Vector<double>(e, rm * cols + at + 1);
            var n4 = new Vector<double>(e, r * cols + at - 1);
            var n5 = new Vector<double>(e, r * cols + at);
            var n6 = new Vector<double>(e, r * cols + at + 1);
            var n7 = new Vector<double>(e, rp * cols + at - 1);
            var n8 = new Vector<double>(e, rp * cols + at);
            var n9 = new Vector<double>(e, rp * cols + at + 1);
            var epsilon = new Vector<double>(1e-4);
            f[4 * part] = Vector<double>.One / Vector.SquareRoot(n1 + n2 + n4 + n5 + epsilon);
            f[4 * part + 1] = Vector<double>.One / Vector.SquareRoot(n2 + n3 + n5 + n6 + epsilon);
            f[4 * part + 2] = Vector<double>.One / Vector.SquareRoot(n4 + n5 + n7 + n8 + epsilon);
            f[4 * part + 3] = Vector<double>.One / Vector.SquareRoot(n5 + n6 + n8 + n9 + epsilon);
        }

        var clamp = new Vector<double>(0.2);
        var halfOf = new Vector<double>(0.5);
        Span<Vector<double>> t = stackalloc Vector<double>[8];
        t.Clear();
        Span<Vector<double>> directed = stackalloc Vector<double>[2];
        Span<Vector<double>> opposite = stackalloc Vector<double>[2];
        Span<Vector<double>> undirected = stackalloc Vector<double>[2];
        int cell = r * cols + c;
        for (int k = 0; k < Orientations; k++)
        {
            Vector.Widen(new Vector<float>(h.Row(k, r)[c..]), out var haLow, out var haHigh);
            Vector.Widen(new Vector<float>(h.Row(k + Orientations, r)[c..]), out var hbLow, out var hbHigh);
            for (int part = 0; part < 2; part++)
            {
                var ha = part == 0 ? haLow : haHigh;
                var hb = part == 0 ? hbLow : hbHigh;
                Vector<double> ha1 = f[4 * part] * ha,
                    ha2 = f[4 * part + 1] * ha,
                    ha3 = f[4 * part + 2] * ha,
                    ha4 = f[4 * part + 3] * ha;
                Vector<double> hb1 = f[4 * part] * hb,
                    hb2 = f[4 * part + 1] * hb,
                    hb3 = f[4 * part + 2] * hb,
                    hb4 = f[4 * part + 3] * hb;
                Vector<double> hc1 = Vector.Min(clamp, ha1 + hb1),
                    hc2 = Vector.Min(clamp, ha2 + hb2),
                    hc3 = Vector.Min(clamp, ha3 + hb3),
                    hc4 = Vector.Min(clamp, ha4 + hb4);
                t[4 * part] += hc1;
                t[4 * part + 1] += hc2;
                t[4 * part + 2] += hc3;
                t[4 * part + 3] += hc4;
                directed[part] =
                    halfOf
                    * (
                        Vector.Min(clamp, ha1)
                        + Vector.Min(clamp, ha2)
                        + Vector.Min(clamp, ha3)
                        + Vector.Min(clamp, ha4)
                    );
                opposite[part] =
                    halfOf
                    * (
                        Vector.Min(clamp, hb1)
                        + Vector.Min(clamp, hb2)
                        + Vector.Min(clamp, hb3)
                        + Vector.Min(clamp, hb4)
                    );
                undirected[part] = halfOf * (hc1 + hc2 + hc3 + hc4);
            }
            Vector.Narrow(directed[0], directed[1]).CopyTo(output[(k * plane + cell)..]);
            Vector.Narrow(opposite[0], opposite[1]).CopyTo(output[((k + Orientations) * plane + cell)..]);
            Vector.Narrow(undirected[0], undirected[1]).CopyTo(output[((k + 2 * Orientations) * plane + cell)..]);
        }
        var scale = new Vector<double>(TextureScale);
        int texture = 3 * Orientations;
        for (int j = 0; j < 4; j++)
            Vector.Narrow(scale * t[j], scale * t[4 + j]).CopyTo(output[((texture + j) * plane + cell)..]);
    }

    private void NormalizeCell(int r, int c, int rows, int cols, Span<float> output)
    {
        int plane = rows * cols;
        var h = _histogram;
        int rm = Math.Max(r - 1, 0),
            rp = Math.Min(r + 1, rows - 1);
        int cm = Math.Max(c - 1, 0),
            cp = Math.Min(c + 1, cols - 1);
        double n1 = _energy[rm * cols + cm],
            n2 = _energy[rm * cols + c],
            n3 = _energy[rm * cols + cp];
        double n4 = _energy[r * cols + cm],
            n5 = _energy[r * cols + c],
            n6 = _energy[r * cols + cp];
        double n7 = _energy[rp * cols + cm],
            n8 = _energy[rp * cols + c],
            n9 = _energy[rp * cols + cp];
        double f1 = 1.0 / Math.Sqrt(n1 + n2 + n4 + n5 + 1e-4);
        double f2 = 1.0 / Math.Sqrt(n2 + n3 + n5 + n6 + 1e-4);
        double f3 = 1.0 / Math.Sqrt(n4 + n5 + n7 + n8 + 1e-4);
        double f4 = 1.0 / Math.Sqrt(n5 + n6 + n8 + n9 + 1e-4);
        double t1 = 0,
            t2 = 0,
            t3 = 0,
            t4 = 0;
        int cell = r * cols + c;
        for (int k = 0; k < Orientations; k++)
        {
            double ha = h[k, r, c];
            double hb = h[k + Orientations, r, c];
            double ha1 = f1 * ha,
                ha2 = f2 * ha,
                ha3 = f3 * ha,
                ha4 = f4 * ha;
            double hb1 = f1 * hb,
                hb2 = f2 * hb,
                hb3 = f3 * hb,
                hb4 = f4 * hb;
            double hc1 = Math.Min(0.2, ha1 + hb1),
                hc2 = Math.Min(0.2, ha2 + hb2);
            double hc3 = Math.Min(0.2, ha3 + hb3),
                hc4 = Math.Min(0.2, ha4 + hb4);
            t1 += hc1;
            t2 += hc2;
            t3 += hc3;
            t4 += hc4;
            output[k * plane + cell] = (float)(
                0.5 * (Math.Min(0.2, ha1) + Math.Min(0.2, ha2) + Math.Min(0.2, ha3) + Math.Min(0.2, ha4))
            );
            output[(k + Orientations) * plane + cell] = (float)(
                0.5 * (Math.Min(0.2, hb1) + Math.Min(0.2, hb2) + Math.Min(0.2, hb3) + Math.Min(0.2, hb4))
            );
            output[(k + 2 * Orientations) * plane + cell] = (float)(0.5 * (hc1 + hc2 + hc3 + hc4));
        }
        int t = 3 * Orientations;
        output[t * plane + cell] = (float)(TextureScale * t1);
        output[(t + 1) * plane + cell] = (float)(TextureScale * t2);
        output[(t + 2) * plane + cell] = (float)(TextureScale * t3);
        output[(t + 3) * plane + cell] = (float)(TextureScale * t4);
    }
}
