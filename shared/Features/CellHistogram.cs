using System.Numerics;

namespace FeatureInversion.Features;

/// <summary>
/// Spatial histogram with VLFeat's bilinear cell binning for weighted pixels (HOG's gradient magnitudes).
/// A pixel at x is at <c>hx = (x + 0.5) / cell − 0.5</c> in cell units; it gives weight <c>1 − frac(hx)</c> to
/// cell floor(hx) and <c>frac(hx)</c> to the next, likewise in y; weights falling outside the cell array are dropped.
/// </summary>
/// <remarks>
/// Separable in two steps so the per-pixel work is two scalar adds instead of VLFeat's four: pixels of one image
/// row are binned along x into a row accumulator, and <see cref="EndRow"/> spreads that row onto the two cell rows
/// along y with a vectorised pass. The arrays carry one padding cell before and two after each axis, so the
/// per-pixel code needs no bounds branches; padding is discarded when reading. Cells are stored
/// [row][bin][col], so one cell row has the row accumulator's layout and <see cref="EndRow"/> is two contiguous
/// multiply-adds over bins × cols instead of one short pass per bin.
/// </remarks>
internal sealed class CellHistogram
{
    private float[] _cells = [];
    private float[][] _rows = [];
    private int[] _column = [];
    private float[] _weightLeft = [];
    private float[] _weightRight = [];

    public CellHistogram(int bins) => Bins = bins;

    public int Bins { get; }

    public int Rows { get; private set; }

    public int Cols { get; private set; }

    public int CellSize { get; private set; }

    /// <summary>Distance between bins in a row accumulator (cols + padding).</summary>
    private int Stride { get; set; }

    private int PaddedRows => Rows + 3;

    /// <summary>Clears the histogram for an image of the given width and a rows × cols cell array.</summary>
    public void Reset(int width, int rows, int cols, int cellSize)
    {
        bool sameGrid = rows == Rows && cols == Cols && cellSize == CellSize && _column.Length == width;
        Rows = rows;
        Cols = cols;
        CellSize = cellSize;
        Stride = cols + 3;
        int cellsLength = Bins * PaddedRows * Stride;
        if (_cells.Length != cellsLength)
            _cells = new float[cellsLength];
        else
            Array.Clear(_cells);
        if (_rows.Length == 0 || _rows[0].Length != Bins * Stride)
        {
            _rows =
            [
                new float[Bins * Stride],
                new float[Bins * Stride],
                new float[Bins * Stride],
                new float[Bins * Stride],
            ];
        }
        else
        {
            foreach (var row in _rows)
                Array.Clear(row);
        }
        if (sameGrid)
            return;

        _column = new int[width];
        _weightLeft = new float[width];
        _weightRight = new float[width];
        for (int x = 0; x < width; x++)
        {
            (_column[x], _weightLeft[x], _weightRight[x]) = Split(x, cellSize);
        }
    }

    /// <summary>Left (or top) cell index + 1 (padded) and the two bilinear weights of pixel coordinate <paramref
    /// name="p"/>.</summary>
    public static (int Index, float Left, float Right) Split(int p, int cellSize)
    {
        float h = (float)((p + 0.5) / cellSize - 0.5);
        int index = (int)MathF.Floor(h);
        float right = h - index;
        return (index + 1, 1f - right, right);
    }

    /// <summary>
    /// Bins pixels <paramref name="from"/>..<paramref name="to"/>−1 of the current image row along x, pixel x
    /// having bin <c>bins[x]</c> and weight <c>weights[x]</c>. Pixels are spread over four row accumulators by
    /// x mod 4 (summed in <see cref="EndRow"/>): neighbouring pixels often share a bin and cell, and separate arrays
    /// break the chains of read-modify-writes to one address that would otherwise serialise the loop.
    /// </summary>
    public void AddRow(int[] bins, float[] weights, int from, int to)
    {
        float[] a0 = _rows[0],
            a1 = _rows[1],
            a2 = _rows[2],
            a3 = _rows[3];
        int[] column = _column;
        float[] left = _weightLeft,
            right = _weightRight;
        int stride = Stride;
        int x = from;
        for (; x + 3 < to; x += 4)
        {
            int i0 = bins[x] * stride + column[x];
            int i1 = bins[x + 1] * stride + column[x + 1];
            int i2 = bins[x + 2] * stride + column[x + 2];
            int i3 = bins[x + 3] * stride + column[x + 3];
            a0[i0] += weights[x] * left[x];
            a0[i0 + 1] += weights[x] * right[x];
            a1[i1] += weights[x + 1] * left[x + 1];
            a1[i1 + 1] += weights[x + 1] * right[x + 1];
            a2[i2] += weights[x + 2] * left[x + 2];
            a2[i2 + 1] += weights[x + 2] * right[x + 2];
            a3[i3] += weights[x + 3] * left[x + 3];
            a3[i3 + 1] += weights[x + 3] * right[x + 3];
        }
        for (; x < to; x++)
        {
            int i = bins[x] * stride + column[x];
            a0[i] += weights[x] * left[x];
            a0[i + 1] += weights[x] * right[x];
        }
    }

    /// <summary>Spreads the row accumulator onto the cell rows around image row y and clears it.</summary>
    public void EndRow(int y)
    {
        var (top, wTop, wBottom) = Split(y, CellSize);
        if (top > Rows + 1)
            top = Rows + 1; // the row lies beyond the last cell: it lands in the padding
        int length = Bins * Stride;
        var upper = _cells.AsSpan(top * length, length);
        var lower = _cells.AsSpan((top + 1) * length, length);
        var wt = new Vector<float>(wTop);
        var wb = new Vector<float>(wBottom);
        int i = 0;
        float[] r0 = _rows[0],
            r1 = _rows[1],
            r2 = _rows[2],
            r3 = _rows[3];
        for (; i <= length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v =
                (new Vector<float>(r0, i) + new Vector<float>(r1, i))
                + (new Vector<float>(r2, i) + new Vector<float>(r3, i));
            (new Vector<float>(upper[i..]) + v * wt).CopyTo(upper[i..]);
            (new Vector<float>(lower[i..]) + v * wb).CopyTo(lower[i..]);
        }
        for (; i < length; i++)
        {
            float v = (r0[i] + r1[i]) + (r2[i] + r3[i]);
            upper[i] += v * wTop;
            lower[i] += v * wBottom;
        }
        foreach (var row in _rows)
            Array.Clear(row);
    }

    /// <summary>Histogram value of bin b in cell (row, col), 0-based and unpadded.</summary>
    public float this[int bin, int row, int col] => _cells[((row + 1) * Bins + bin) * Stride + col + 1];

    /// <summary>The cols values of bin b in cell row <paramref name="row"/>, unpadded.</summary>
    public ReadOnlySpan<float> Row(int bin, int row) => _cells.AsSpan(((row + 1) * Bins + bin) * Stride + 1, Cols);

    /// <summary>Writes bins × rows × cols (C order, unpadded) into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<float> destination)
    {
        for (int b = 0; b < Bins; b++)
        {
            for (int r = 0; r < Rows; r++)
            {
                _cells
                    .AsSpan(((r + 1) * Bins + b) * Stride + 1, Cols)
                    .CopyTo(destination.Slice((b * Rows + r) * Cols, Cols));
            }
        }
    }
}
