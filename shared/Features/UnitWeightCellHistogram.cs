using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FeatureInversion.Features;

/// <summary>
/// VLFeat's bilinear cell binning (see <see cref="CellHistogram"/>) for pixels of unit weight, as LBP codes are,
/// computed from exact integer moments instead of per-pixel float weights.
/// </summary>
/// <remarks>
/// <para>With cell size c, pixel x lies in the cell pair starting at cx = ⌊(x + ½ − c/2) / c⌋ at offset
/// x′ = x + ½ − c/2 − c·cx − δ ∈ 0..c−1 (δ = ½ for even c, 0 for odd), and its right-hand weight is a = (x′ + δ)/c,
/// linear in x′; likewise b in y. A cell therefore only needs, per bin, the count N and the sums Σx′, Σy′ and
/// Σx′y′ of the pixels that fall between its centre and the next ones: the four bilinear weights Σ(1−a)(1−b),
/// Σa(1−b), Σ(1−a)b, Σab follow exactly. The four moments fit into disjoint bit fields of one 64-bit integer
/// for c ≤ 32, so binning a pixel is a single integer add; moments are expanded once per band of c rows.</para>
/// <para>Sums are exact, so results differ from VLFeat's float accumulation only by its rounding (≈1e-7
/// relative). Pixels alternate between two accumulators (x mod 2) to shorten dependency chains through memory;
/// four measured slower on wide images (the accumulators outgrow the L1 cache: 2.60 against 2.43 ms at 1024 × 768)
/// and no faster at 256 × 256.</para>
/// </remarks>
internal sealed class UnitWeightCellHistogram
{
    public const int MaxCellSize = 32;

    private readonly int _shiftX,
        _shiftY,
        _shiftXY;
    private readonly ulong _maskN,
        _maskX,
        _maskY,
        _maskXY;
    private ulong[][] _lanes = [];
    private float[] _cells = [];
    private int[] _segment = [];
    private ulong[] _constant = [];
    private ulong[] _perRow = [];
    private ulong[] _rowValue = [];
    private int _band = int.MinValue;

    public UnitWeightCellHistogram(int bins, int cellSize)
    {
        if (cellSize < 2 || cellSize > MaxCellSize)
            throw new ArgumentOutOfRangeException(
                nameof(cellSize),
                cellSize,
                $"Cell size must be 2..{MaxCellSize} for exact moment binning."
            );
        Bins = bins;
        CellSize = cellSize;
        long c = cellSize;
        int bitsN = BitLength(c * c),
            bitsX = BitLength(c * c * (c - 1)),
            bitsXY = BitLength(c * (c - 1) / 2 * (c * (c - 1) / 2));
        _shiftX = bitsN;
        _shiftY = _shiftX + bitsX;
        _shiftXY = _shiftY + bitsX;
        _maskN = (1UL << bitsN) - 1;
        _maskX = (1UL << bitsX) - 1;
        _maskY = _maskX;
        _maskXY = (1UL << bitsXY) - 1;
    }

    public int Bins { get; }

    public int CellSize { get; }

    public int Rows { get; private set; }

    public int Cols { get; private set; }

    /// <summary>Number of cell pairs along x (starting at cell −1 … Cols).</summary>
    public int Segments => Cols + 2;

    /// <summary>Keys are bin · Stride + segment: the segments padded to whole vectors, so expanding the moments
    /// needs no scalar tail (padding segments receive no pixel).</summary>
    public int Stride => (Segments + Vector<ulong>.Count - 1) / Vector<ulong>.Count * Vector<ulong>.Count;

    /// <summary>Segment (cell pair) of each pixel column; valid after <see cref="Reset"/>.</summary>
    public int[] SegmentOf => _segment;

    /// <summary>Clears the histogram for an image of the given width and a rows × cols cell array.</summary>
    public void Reset(int width, int rows, int cols)
    {
        bool sameGrid = rows == Rows && cols == Cols && _segment.Length == width;
        Rows = rows;
        Cols = cols;
        _band = int.MinValue;
        int length = Bins * Stride;
        if (_lanes.Length == 0 || _lanes[0].Length != length)
            _lanes = [new ulong[length], new ulong[length]];
        else
            foreach (var lane in _lanes)
                Array.Clear(lane);
        if (_cells.Length != Bins * rows * cols)
            _cells = new float[Bins * rows * cols];
        else
            Array.Clear(_cells);
        if (sameGrid)
            return;

        _segment = new int[width];
        _constant = new ulong[width];
        _perRow = new ulong[width];
        _rowValue = new ulong[width];
        for (int x = 0; x < width; x++)
        {
            var (cell, offset) = Locate(x);
            _segment[x] = cell + 1;
            // Moments of a pixel at (x′, y′) = constant[x] + y′ · perRow[x].
            _constant[x] = 1UL + ((ulong)offset << _shiftX);
            _perRow[x] = (1UL << _shiftY) + ((ulong)offset << _shiftXY);
        }
    }

    /// <summary>Left/top cell of pixel coordinate p and its integer offset p′ within the cell pair.</summary>
    private (int Cell, int Offset) Locate(int p)
    {
        // p + ½ − c/2 = (2p + 1 − c) / 2; its floor division by c gives the cell, the remainder the offset.
        int twice = 2 * p + 1 - CellSize;
        int cell = (int)Math.Floor(twice / (2.0 * CellSize));
        int offset = (twice - 2 * CellSize * cell) / 2; // integer: the parity of `twice` matches δ
        return (cell, offset);
    }

    /// <summary>
    /// Bins pixels <paramref name="from"/>..<paramref name="to"/>−1 of image row y, where <c>keys[x]</c> is
    /// bin · <see cref="Stride"/> + <c>SegmentOf[x]</c>. Rows must come in increasing order.
    /// </summary>
    public void AddRow(int y, int[] keys, int from, int to)
    {
        var (band, offset) = Locate(y);
        if (band != _band)
        {
            Flush();
            _band = band;
        }
        if (keys.Length < to || _rowValue.Length < to)
            throw new ArgumentException("Row longer than the image width.");

        // The moments a pixel adds depend on x and on this row's offset: constant[x] + y′·perRow[x].
        ulong dy = (ulong)offset;
        int i = 0;
        for (; i <= to - Vector<ulong>.Count; i += Vector<ulong>.Count)
        {
            (new Vector<ulong>(_constant, i) + new Vector<ulong>(_perRow, i) * dy).CopyTo(_rowValue, i);
        }
        for (; i < to; i++)
            _rowValue[i] = _constant[i] + dy * _perRow[i];

        // One integer add per pixel; bounds were checked above (keys < Bins·Stride by construction).
        ref ulong a0 = ref MemoryMarshal.GetArrayDataReference(_lanes[0]);
        ref ulong a1 = ref MemoryMarshal.GetArrayDataReference(_lanes[1]);
        ref int key = ref MemoryMarshal.GetArrayDataReference(keys);
        ref ulong value = ref MemoryMarshal.GetArrayDataReference(_rowValue);
        int x = from;
        for (; x + 3 < to; x += 4)
        {
            Unsafe.Add(ref a0, Unsafe.Add(ref key, x)) += Unsafe.Add(ref value, x);
            Unsafe.Add(ref a1, Unsafe.Add(ref key, x + 1)) += Unsafe.Add(ref value, x + 1);
            Unsafe.Add(ref a0, Unsafe.Add(ref key, x + 2)) += Unsafe.Add(ref value, x + 2);
            Unsafe.Add(ref a1, Unsafe.Add(ref key, x + 3)) += Unsafe.Add(ref value, x + 3);
        }
        for (; x < to; x++)
            Unsafe.Add(ref a0, Unsafe.Add(ref key, x)) += Unsafe.Add(ref value, x);
    }

    /// <summary>
    /// Expands the moments of the current band into its two cell rows: per bin, the four bilinear weight sums of
    /// every segment are computed as vectors, then segment s adds its left parts to column s − 1 and its right
    /// parts to column s. Columns and rows outside the cell array are dropped, as in VLFeat.
    /// </summary>
    private void Flush()
    {
        if (_band == int.MinValue)
            return;
        int segments = Stride,
            plane = Rows * Cols;
        if (_leftTop.Length < segments + Vector<double>.Count)
        {
            int n = segments + Vector<double>.Count;
            _leftTop = new double[n];
            _rightTop = new double[n];
            _leftBottom = new double[n];
            _rightBottom = new double[n];
        }
        bool hasTop = _band >= 0 && _band < Rows,
            hasBottom = _band + 1 >= 0 && _band + 1 < Rows;
        for (int b = 0; b < Bins; b++)
        {
            if (!Moments(b * segments, segments))
                continue;
            if (hasTop)
                AddToRow(_cells.AsSpan(b * plane + _band * Cols, Cols), _leftTop, _rightTop);
            if (hasBottom)
                AddToRow(_cells.AsSpan(b * plane + (_band + 1) * Cols, Cols), _leftBottom, _rightBottom);
        }
    }

    private double[] _leftTop = [],
        _rightTop = [],
        _leftBottom = [],
        _rightBottom = [];

    /// <summary>Sums the lanes of one bin's segments into the four weight arrays and clears them; false when all
    /// zero.</summary>
    private bool Moments(int start, int segments)
    {
        double c = CellSize,
            delta = CellSize % 2 == 0 ? 0.5 : 0.0,
            scale = 1.0 / (c * c);
        ulong[] a0 = _lanes[0],
            a1 = _lanes[1];
        var vc = new Vector<double>(c);
        var vdelta = new Vector<double>(delta);
        var vscale = new Vector<double>(scale);
        ulong any = 0;
        int s = 0;
        for (; s <= segments - Vector<ulong>.Count; s += Vector<ulong>.Count)
        {
            int i = start + s;
            var m = new Vector<ulong>(a0, i) + new Vector<ulong>(a1, i);
            if (m == Vector<ulong>.Zero)
            {
                Vector<double>.Zero.CopyTo(_leftTop, s);
                Vector<double>.Zero.CopyTo(_rightTop, s);
                Vector<double>.Zero.CopyTo(_leftBottom, s);
                Vector<double>.Zero.CopyTo(_rightBottom, s);
                continue;
            }
            any = 1;
            Vector<ulong>.Zero.CopyTo(a0, i);
            Vector<ulong>.Zero.CopyTo(a1, i);
            var n = Vector.ConvertToDouble(m & new Vector<ulong>(_maskN));
            var sx = Vector.ConvertToDouble((m >> _shiftX) & new Vector<ulong>(_maskX)) + vdelta * n; // Σa·c
            var sy = Vector.ConvertToDouble((m >> _shiftY) & new Vector<ulong>(_maskY)) + vdelta * n; // Σb·c
            var sxy =
                Vector.ConvertToDouble((m >> _shiftXY) & new Vector<ulong>(_maskXY))
                + vdelta * (sx + sy)
                - vdelta * vdelta * n; // Σab·c²
            (sxy * vscale).CopyTo(_rightBottom, s);
            ((vc * sx - sxy) * vscale).CopyTo(_rightTop, s);
            ((vc * sy - sxy) * vscale).CopyTo(_leftBottom, s);
            ((vc * vc * n - vc * (sx + sy) + sxy) * vscale).CopyTo(_leftTop, s);
        }
        for (; s < segments; s++)
        {
            int i = start + s;
            ulong m = a0[i] + a1[i];
            any |= m;
            a0[i] = a1[i] = 0;
            double n = m & _maskN;
            double sx = ((m >> _shiftX) & _maskX) + delta * n;
            double sy = ((m >> _shiftY) & _maskY) + delta * n;
            double sxy = ((m >> _shiftXY) & _maskXY) + delta * (sx + sy) - delta * delta * n;
            _rightBottom[s] = sxy * scale;
            _rightTop[s] = (c * sx - sxy) * scale;
            _leftBottom[s] = (c * sy - sxy) * scale;
            _leftTop[s] = (c * c * n - c * (sx + sy) + sxy) * scale;
        }
        return any != 0;
    }

    /// <summary>Cell column k receives the left parts of segment k + 1 and the right parts of segment k.</summary>
    private static void AddToRow(Span<float> row, double[] left, double[] right)
    {
        for (int k = 0; k < row.Length; k++)
            row[k] += (float)(left[k + 1] + right[k]);
    }

    /// <summary>Finishes binning and returns bins × rows × cols (C order); valid until the next reset.</summary>
    public float[] Complete()
    {
        Flush();
        _band = int.MinValue;
        return _cells;
    }

    private static int BitLength(long value) => 64 - BitOperations.LeadingZeroCount((ulong)value);
}
