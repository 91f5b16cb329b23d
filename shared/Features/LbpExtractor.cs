using System.Numerics;
using FeatureInversion.Imaging;

namespace FeatureInversion.Features;

/// <summary>
/// Local Binary Patterns with uniform quantisation (Ojala et al., PAMI 2002) exactly as VLFeat 0.9.21
/// <c>vl_lbp</c> computes them: 3×3 neighbourhood, 58 patterns, bilinear spatial binning into cells and
/// per-cell square-root normalisation.
/// </summary>
/// <remarks>
/// <para>Grid: floor(W / cell) × floor(H / cell) cells. Only pixels 1..W−2, 1..H−2 are coded.</para>
/// <para>Code: bit i is set when neighbour i is strictly greater than the centre, neighbours in the order
/// E, SE, S, SW, W, NW, N, NE (y pointing down, i.e. VLFeat's non-transposed row-major call).</para>
/// <para>Quantisation 256 → 58: a pattern with exactly one circular run of ones starting at bit i of length
/// j = 1..7 maps to i·7 + (j − 1) (bins 0–55); all-zeros and all-ones map to 56; every other pattern to 57.</para>
/// <para>Binning: bilinear with (x + 0.5)/cell − 0.5 as HOG; a pixel whose left/top cell is past the last is
/// skipped. Normalisation per cell: v = √h / (√Σh + 1e-10).</para>
/// </remarks>
public sealed class LbpExtractor : IFeatureRepresentation
{
    public const int Dimension = 58;
    public const int DefaultCellSize = 16;

    private static readonly byte[] Mapping = BuildUniformMapping();

    private readonly CellHistogram _histogram = new(Dimension);
    private byte[] _codes = [];
    private float[] _cells = [];

    public LbpExtractor(int cellSize = DefaultCellSize)
    {
        if (cellSize < 2) throw new ArgumentOutOfRangeException(nameof(cellSize), cellSize, "LBP cell size must be at least 2 pixels.");
        CellSize = cellSize;
        Settings = new Dictionary<string, string>
        {
            ["variant"] = "uniform",
            ["cellSize"] = cellSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public int CellSize { get; }

    public string Name => "lbp";

    public IReadOnlyDictionary<string, string> Settings { get; }

    public FeatureShape OutputShape(int width, int height)
    {
        FeatureInput.EnsureSize(Name, width, height, Math.Max(CellSize, 3));
        return new FeatureShape(Dimension, height / CellSize, width / CellSize);
    }

    /// <summary>The 58-bin uniform pattern index of an 8-bit LBP code.</summary>
    public static int Quantize(int code) => Mapping[code & 0xff];

    public void Extract(GrayImage image, Span<float> output)
    {
        var shape = OutputShape(image.Width, image.Height);
        FeatureInput.Validate(Name, image, Math.Max(CellSize, 3), shape, output.Length);
        int width = image.Width;
        _histogram.Reset(width, shape.Rows, shape.Cols, CellSize);
        if (_codes.Length < width) _codes = new byte[width];

        var acc = _histogram.RowAccumulator;
        var column = _histogram.Column;
        var weightLeft = _histogram.WeightLeft;
        var weightRight = _histogram.WeightRight;
        int stride = _histogram.Stride;
        for (int y = 1; y < image.Height - 1; y++)
        {
            // Rows whose top cell lies past the last cell row are skipped, as in VLFeat.
            if (CellHistogram.Split(y, CellSize).Index - 1 >= shape.Rows) continue;
            CodeRow(image.Pixels, width, y);
            for (int x = 1; x < width - 1; x++)
            {
                int index = Mapping[_codes[x]] * stride + column[x];
                acc[index] += weightLeft[x];
                acc[index + 1] += weightRight[x];
            }
            _histogram.EndRow(y);
        }

        // Normalise: v = √h / (√Σh + 1e-10), in float as VLFeat.
        int plane = shape.Rows * shape.Cols;
        if (_cells.Length != shape.Length) _cells = new float[shape.Length];
        _histogram.CopyTo(_cells);
        for (int cell = 0; cell < plane; cell++)
        {
            float sum = 0;
            for (int k = 0; k < Dimension; k++) sum += _cells[k * plane + cell];
            float norm = MathF.Sqrt(sum) + 1e-10f;
            for (int k = 0; k < Dimension; k++) output[k * plane + cell] = MathF.Sqrt(_cells[k * plane + cell]) / norm;
        }
    }

    /// <summary>LBP codes of pixels 1..W−2 of row y (strict comparisons, bits E, SE, S, SW, W, NW, N, NE).</summary>
    private void CodeRow(float[] p, int width, int y)
    {
        int x = 1;
        int up = (y - 1) * width, mid = y * width, down = (y + 1) * width;
        if (Vector.IsHardwareAccelerated)
        {
            Span<int> lanes = stackalloc int[Vector<int>.Count];
            for (; x + Vector<float>.Count <= width - 1; x += Vector<float>.Count)
            {
                var c = new Vector<float>(p, mid + x);
                var code = Vector.GreaterThan(new Vector<float>(p, mid + x + 1), c) & new Vector<int>(1)
                    | Vector.GreaterThan(new Vector<float>(p, down + x + 1), c) & new Vector<int>(2)
                    | Vector.GreaterThan(new Vector<float>(p, down + x), c) & new Vector<int>(4)
                    | Vector.GreaterThan(new Vector<float>(p, down + x - 1), c) & new Vector<int>(8)
                    | Vector.GreaterThan(new Vector<float>(p, mid + x - 1), c) & new Vector<int>(16)
                    | Vector.GreaterThan(new Vector<float>(p, up + x - 1), c) & new Vector<int>(32)
                    | Vector.GreaterThan(new Vector<float>(p, up + x), c) & new Vector<int>(64)
                    | Vector.GreaterThan(new Vector<float>(p, up + x + 1), c) & new Vector<int>(128);
                code.CopyTo(lanes);
                for (int i = 0; i < lanes.Length; i++) _codes[x + i] = (byte)lanes[i];
            }
        }
        for (; x < width - 1; x++)
        {
            float c = p[mid + x];
            int code = 0;
            if (p[mid + x + 1] > c) code |= 1;
            if (p[down + x + 1] > c) code |= 2;
            if (p[down + x] > c) code |= 4;
            if (p[down + x - 1] > c) code |= 8;
            if (p[mid + x - 1] > c) code |= 16;
            if (p[up + x - 1] > c) code |= 32;
            if (p[up + x] > c) code |= 64;
            if (p[up + x + 1] > c) code |= 128;
            _codes[x] = (byte)code;
        }
    }

    private static byte[] BuildUniformMapping()
    {
        var mapping = new byte[256];
        Array.Fill(mapping, (byte)57);
        mapping[0x00] = 56;
        mapping[0xff] = 56;
        for (int start = 0; start < 8; start++)
        {
            for (int length = 1; length <= 7; length++)
            {
                int run = ((1 << length) - 1) << start;
                run = (run | (run >> 8)) & 0xff; // wrap around the 8-bit circle
                mapping[run] = (byte)(start * 7 + length - 1);
            }
        }
        return mapping;
    }
}
