using System.Numerics;

namespace FeatureInversion.Features;

/// <summary>
/// Spatial histogram with VLFeat's bilinear cell binning, shared by HOG and LBP.
/// A pixel at x is at <c>hx = (x + 0.5) / cell − 0.5</c> in cell units; it gives weight <c>1 − frac(hx)</c> to
/// cell floor(hx) and <c>frac(hx)</c> to the next, likewise in y; weights falling outside the cell array are dropped.
/// </summary>
/// <remarks>
/// Separable in two steps so the per-pixel work is two scalar adds instead of VLFeat's four: pixels of one image
/// row are binned along x into a row accumulator, and <see cref="EndRow"/> spreads that row onto the two cell rows
/// along y with a vectorised pass. The arrays carry one padding cell before and two after each axis, so the
/// per-pixel code needs no bounds branches; padding is discarded when reading.
/// </remarks>
internal sealed class CellHistogram
{
    private float[] _cells = [];
    private float[] _row = [];
    private int[] _column = [];
    private float[] _weightLeft = [];
    private float[] _weightRight = [];

    public CellHistogram(int bins) => Bins = bins;

    public int Bins { get; }

    public int Rows { get; private set; }

    public int Cols { get; private set; }

    public int CellSize { get; private set; }

    /// <summary>Distance between bins in <see cref="RowAccumulator"/> (cols + padding).</summary>
    public int Stride { get; private set; }

    private int PaddedRows => Rows + 3;

    /// <summary>Row accumulator: bin b, padded column c at <c>[b * Stride + c]</c>.</summary>
    public float[] RowAccumulator => _row;

    /// <summary>Padded column index of the left cell of pixel x (cell index + 1).</summary>
    public int[] Column => _column;

    public float[] WeightLeft => _weightLeft;

    public float[] WeightRight => _weightRight;

    /// <summary>Clears the histogram for an image of the given width and a rows × cols cell array.</summary>
    public void Reset(int width, int rows, int cols, int cellSize)
    {
        bool sameGrid = rows == Rows && cols == Cols && cellSize == CellSize && _column.Length == width;
        Rows = rows;
        Cols = cols;
        CellSize = cellSize;
        Stride = cols + 3;
        int cellsLength = Bins * PaddedRows * Stride;
        if (_cells.Length != cellsLength) _cells = new float[cellsLength];
        else Array.Clear(_cells);
        if (_row.Length != Bins * Stride) _row = new float[Bins * Stride];
        else Array.Clear(_row);
        if (sameGrid) return;

        _column = new int[width];
        _weightLeft = new float[width];
        _weightRight = new float[width];
        for (int x = 0; x < width; x++)
        {
            (_column[x], _weightLeft[x], _weightRight[x]) = Split(x, cellSize);
        }
    }

    /// <summary>Left (or top) cell index and the two bilinear weights of pixel coordinate <paramref name="p"/>.</summary>
    public static (int Index, float Left, float Right) Split(int p, int cellSize)
    {
        float h = (float)((p + 0.5) / cellSize - 0.5);
        int index = (int)MathF.Floor(h);
        float right = h - index;
        return (index + 1, 1f - right, right);
    }

    /// <summary>Spreads the row accumulator onto the cell rows around image row y and clears it.</summary>
    public void EndRow(int y)
    {
        var (top, wTop, wBottom) = Split(y, CellSize);
        if (top > Rows + 1) top = Rows + 1; // the row lies beyond the last cell: it lands in the padding
        var topWeight = new Vector<float>(wTop);
        var bottomWeight = new Vector<float>(wBottom);
        var row = _row.AsSpan();
        for (int b = 0; b < Bins; b++)
        {
            var source = row.Slice(b * Stride, Stride);
            var upper = _cells.AsSpan((b * PaddedRows + top) * Stride, Stride);
            var lower = _cells.AsSpan((b * PaddedRows + top + 1) * Stride, Stride);
            int i = 0;
            for (; i <= Stride - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(source[i..]);
                (new Vector<float>(upper[i..]) + v * topWeight).CopyTo(upper[i..]);
                (new Vector<float>(lower[i..]) + v * bottomWeight).CopyTo(lower[i..]);
            }
            for (; i < Stride; i++)
            {
                upper[i] += source[i] * wTop;
                lower[i] += source[i] * wBottom;
            }
        }
        Array.Clear(_row);
    }

    /// <summary>Histogram value of bin b in cell (row, col), 0-based and unpadded.</summary>
    public float this[int bin, int row, int col] => _cells[(bin * PaddedRows + row + 1) * Stride + col + 1];

    /// <summary>Writes bins × rows × cols (C order, unpadded) into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<float> destination)
    {
        for (int b = 0; b < Bins; b++)
        {
            for (int r = 0; r < Rows; r++)
            {
                _cells.AsSpan((b * PaddedRows + r + 1) * Stride + 1, Cols).CopyTo(destination.Slice((b * Rows + r) * Cols, Cols));
            }
        }
    }
}
