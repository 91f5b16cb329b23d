namespace FeatureInversion.Imaging;

/// <summary>
/// Square crops of interleaved 8-bit RGB pixels resized to <c>size × size</c> planar RGB in [0, 1]: a separable
/// triangle (tent) filter whose support widens with the reduction factor (as ImageSharp's Triangle resampler, so
/// shrinking averages instead of aliasing), rounded to 8-bit levels as a decoded image would be. It reads only the
/// crop's rows, so a view of a large photo costs the photo's 3 bytes per pixel and nothing per pixel more. Training
/// crops, test crops and the pipeline's decoder views all come from it. Not thread-safe: one per thread; scratch
/// buffers are reused, so rendering allocates nothing once they have grown.
/// </summary>
public sealed class TentResampler
{
    private readonly int _size;
    private float[] _rows = []; // side × size × 3 after the horizontal pass
    private float[] _weights = []; // size × taps
    private readonly int[] _starts;

    public TentResampler(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _size = size;
        _starts = new int[size];
    }

    public int Size => _size;

    /// <summary>
    /// Renders the square (<paramref name="x"/>, <paramref name="y"/>, <paramref name="side"/>) of an image whose rows
    /// are <paramref name="stride"/> pixels apart in <paramref name="pixels"/> (R, G, B bytes), mirrored when asked,
    /// into <paramref name="planar"/> (3 × size × size).
    /// </summary>
    public void Render(ReadOnlySpan<byte> pixels, int stride, int x, int y, int side, bool mirror, Span<float> planar)
    {
        int s = _size,
            plane = s * s;
        if (planar.Length != 3 * plane)
            throw new ArgumentException($"Output holds {planar.Length} values, needs {3 * plane}.", nameof(planar));
        if (
            side < 1
            || x < 0
            || y < 0
            || x + side > stride
            || 3L * ((long)(y + side - 1) * stride + x + side) > pixels.Length
        )
            throw new ArgumentOutOfRangeException(
                nameof(side),
                $"Square ({x}, {y}, {side}) is outside the {stride}-pixel-wide image."
            );
        int taps = Weights(side);
        if (_rows.Length < side * s * 3)
            _rows = new float[side * s * 3];

        // Horizontal pass: each source row of the crop to `size` columns (mirrored when asked), channels interleaved.
        for (int r = 0; r < side; r++)
        {
            var row = pixels.Slice(3 * ((y + r) * stride + x), 3 * side);
            var outRow = _rows.AsSpan(r * s * 3, s * 3);
            for (int o = 0; o < s; o++)
            {
                int start = _starts[o];
                var wts = _weights.AsSpan(o * taps, taps);
                float sr = 0,
                    sg = 0,
                    sb = 0;
                for (int t = 0; t < wts.Length; t++)
                {
                    float wt = wts[t];
                    if (wt == 0)
                        continue;
                    int k = 3 * (start + t);
                    sr += wt * row[k];
                    sg += wt * row[k + 1];
                    sb += wt * row[k + 2];
                }
                int dst = 3 * (mirror ? s - 1 - o : o);
                outRow[dst] = sr;
                outRow[dst + 1] = sg;
                outRow[dst + 2] = sb;
            }
        }
        // Vertical pass into planar RGB, scaled to [0, 1] and rounded to 8-bit levels.
        var red = planar[..plane];
        var green = planar.Slice(plane, plane);
        var blue = planar.Slice(2 * plane, plane);
        for (int o = 0; o < s; o++)
        {
            int start = _starts[o];
            var wts = _weights.AsSpan(o * taps, taps);
            for (int c = 0; c < s; c++)
            {
                float sr = 0,
                    sg = 0,
                    sb = 0;
                for (int t = 0; t < wts.Length; t++)
                {
                    float wt = wts[t];
                    if (wt == 0)
                        continue;
                    int k = ((start + t) * s + c) * 3;
                    sr += wt * _rows[k];
                    sg += wt * _rows[k + 1];
                    sb += wt * _rows[k + 2];
                }
                int p = o * s + c;
                red[p] = Quantize(sr);
                green[p] = Quantize(sg);
                blue[p] = Quantize(sb);
            }
        }
    }

    private static float Quantize(float v) => Math.Clamp(MathF.Round(v), 0f, 255f) * (1f / 255f);

    /// <summary>Tent weights for `side` → `size` (normalised per output sample); returns the taps per sample.</summary>
    private int Weights(int side)
    {
        double ratio = (double)side / _size,
            radius = Math.Max(1.0, ratio);
        int taps = (int)Math.Ceiling(2 * radius) + 1;
        if (_weights.Length < _size * taps)
            _weights = new float[_size * taps];
        for (int o = 0; o < _size; o++)
        {
            double centre = (o + 0.5) * ratio - 0.5;
            int start = (int)Math.Floor(centre - radius) + 1;
            start = Math.Clamp(start, 0, Math.Max(0, side - taps));
            double sum = 0;
            for (int t = 0; t < taps; t++)
            {
                int i = start + t;
                double wt = i < side ? Math.Max(0, 1 - Math.Abs(i - centre) / radius) : 0;
                _weights[o * taps + t] = (float)wt;
                sum += wt;
            }
            for (int t = 0; t < taps; t++)
                _weights[o * taps + t] = (float)(_weights[o * taps + t] / sum);
            _starts[o] = start;
        }
        return taps;
    }
}
