using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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
/// skipped. Normalisation per cell: v = √h / (√Σh + 1e-10). Binning uses exact integer moments
/// (<see cref="UnitWeightCellHistogram"/>), which limits the cell size to 32 pixels.</para>
/// </remarks>
public sealed class LbpExtractor : IFeatureRepresentation
{
    public const int Dimension = 58;
    public const int DefaultCellSize = 16;

    private static readonly byte[] Mapping = BuildUniformMapping();

    private readonly UnitWeightCellHistogram _histogram;
    private int[] _keys = [];
    private readonly int[] _binOffset = new int[256];
    private int _binOffsetStride;

    public LbpExtractor(int cellSize = DefaultCellSize)
    {
        if (cellSize < 2 || cellSize > UnitWeightCellHistogram.MaxCellSize)
            throw new ArgumentOutOfRangeException(
                nameof(cellSize),
                cellSize,
                $"LBP cell size must be 2..{UnitWeightCellHistogram.MaxCellSize} pixels."
            );
        CellSize = cellSize;
        _histogram = new UnitWeightCellHistogram(Dimension, cellSize);
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
        _histogram.Reset(width, shape.Rows, shape.Cols);
        if (_keys.Length < width)
            _keys = new int[width];
        if (_binOffsetStride != _histogram.Stride)
        {
            _binOffsetStride = _histogram.Stride;
            for (int code = 0; code < 256; code++)
                _binOffset[code] = Mapping[code] * _binOffsetStride;
        }

        for (int y = 1; y < image.Height - 1; y++)
        {
            // Rows whose top cell lies past the last cell row are skipped, as in VLFeat.
            if ((int)MathF.Floor((y + 0.5f) / CellSize - 0.5f) >= shape.Rows)
                continue;
            ComputeKeys(image.Pixels, width, y);
            _histogram.AddRow(y, _keys, 1, width - 1);
        }

        // Normalise: v = √h / (√Σh + 1e-10), in float as VLFeat; vectorised across cells, summing bins in order.
        Normalize(_histogram.Complete(), output, shape.Rows * shape.Cols);
    }

    private static void Normalize(float[] cells, Span<float> output, int plane)
    {
        int cell = 0;
        var epsilon = new Vector<float>(1e-10f);
        for (; cell <= plane - Vector<float>.Count; cell += Vector<float>.Count)
        {
            var sum = Vector<float>.Zero;
            for (int k = 0; k < Dimension; k++)
                sum += new Vector<float>(cells, k * plane + cell);
            var norm = Vector.SquareRoot(sum) + epsilon;
            for (int k = 0; k < Dimension; k++)
            {
                (Vector.SquareRoot(new Vector<float>(cells, k * plane + cell)) / norm).CopyTo(
                    output[(k * plane + cell)..]
                );
            }
        }
        for (; cell < plane; cell++)
        {
            float sum = 0;
            for (int k = 0; k < Dimension; k++)
                sum += cells[k * plane + cell];
            float norm = MathF.Sqrt(sum) + 1e-10f;
            for (int k = 0; k < Dimension; k++)
                output[k * plane + cell] = MathF.Sqrt(cells[k * plane + cell]) / norm;
        }
    }

    /// <summary>
    /// Histogram keys of pixels 1..W−2 of row y: the LBP code (strict comparisons, bits E, SE, S, SW, W, NW, N,
    /// NE) mapped to its uniform bin, times the histogram stride, plus the pixel's cell segment.
    /// </summary>
    private void ComputeKeys(float[] p, int width, int y)
    {
        int x = 1;
        int up = (y - 1) * width,
            mid = y * width,
            down = (y + 1) * width;
        var segmentOf = _histogram.SegmentOf;
        if (Vector.IsHardwareAccelerated)
        {
            bool gather = Avx2.IsSupported && Vector<int>.Count == Vector256<int>.Count;
            // Loads without bounds checks: x + lanes ≤ width − 1 keeps every neighbour of the three rows inside
            // the image (a GrayImage holds exactly width · height pixels, and y is 1..H−2).
            ref float origin = ref MemoryMarshal.GetArrayDataReference(p);
            for (; x + Vector<float>.Count <= width - 1; x += Vector<float>.Count)
            {
                nuint m = (nuint)(mid + x),
                    u = (nuint)(up + x),
                    d = (nuint)(down + x);
                var c = Vector.LoadUnsafe(ref origin, m);
                var code =
                    Vector.GreaterThan(Vector.LoadUnsafe(ref origin, m + 1), c) & new Vector<int>(1)
                    | Vector.GreaterThan(Vector.LoadUnsafe(ref origin, d + 1), c) & new Vector<int>(2)
                    | Vector.GreaterThan(Vector.LoadUnsafe(ref origin, d), c) & new Vector<int>(4)
                    | Vector.GreaterThan(Vector.LoadUnsafe(ref origin, d - 1), c) & new Vector<int>(8)
                    | Vector.GreaterThan(Vector.LoadUnsafe(ref origin, m - 1), c) & new Vector<int>(16)
                    | Vector.GreaterThan(Vector.LoadUnsafe(ref origin, u - 1), c) & new Vector<int>(32)
                    | Vector.GreaterThan(Vector.LoadUnsafe(ref origin, u), c) & new Vector<int>(64)
                    | Vector.GreaterThan(Vector.LoadUnsafe(ref origin, u + 1), c) & new Vector<int>(128);
                if (gather)
                {
                    (GatherBinOffsets(code) + new Vector<int>(segmentOf, x)).CopyTo(_keys, x);
                }
                else
                {
                    code.CopyTo(_keys, x);
                    for (int i = x; i < x + Vector<int>.Count; i++)
                        _keys[i] = _binOffset[_keys[i]] + segmentOf[i];
                }
            }
        }
        for (; x < width - 1; x++)
        {
            float c = p[mid + x];
            int code = 0;
            if (p[mid + x + 1] > c)
                code |= 1;
            if (p[down + x + 1] > c)
                code |= 2;
            if (p[down + x] > c)
                code |= 4;
            if (p[down + x - 1] > c)
                code |= 8;
            if (p[mid + x - 1] > c)
                code |= 16;
            if (p[up + x - 1] > c)
                code |= 32;
            if (p[up + x] > c)
                code |= 64;
            if (p[up + x + 1] > c)
                code |= 128;
            _keys[x] = _binOffset[code] + segmentOf[x];
        }
    }

    /// <summary>Looks the eight codes up in the 256-entry bin offset table with one AVX2 gather.</summary>
    private unsafe Vector<int> GatherBinOffsets(Vector<int> codes)
    {
        fixed (int* table = _binOffset)
        {
            return Avx2.GatherVector256(table, codes.AsVector256(), 4).AsVector();
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
