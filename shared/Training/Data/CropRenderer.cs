using FeatureInversion.Imaging;

namespace FeatureInversion.Training.Data;

/// <summary>Where a crop comes from: a square of <see cref="Side"/> pixels at (X, Y) of a pooled photo, maybe
/// mirrored, maybe with its chroma rotated by <see cref="HueAngle"/> and scaled by <see cref="Saturation"/>.</summary>
public readonly record struct CropDraw(int Photo, int X, int Y, int Side, bool Mirror, bool Jitter, float HueAngle, float Saturation)
{
    /// <summary>Smallest crop side as a fraction of the photo's short side.</summary>
    public const double MinScale = 0.2;

    /// <summary>A random crop: photo, side (20–100 % of the short side, at least <paramref name="size"/>), position, mirror,
    /// and with probability <paramref name="colorJitter"/> a random hue angle and a saturation in [0.4, 1.2].</summary>
    public static CropDraw Random(ref SplitMix random, PhotoPool pool, int size, double colorJitter)
    {
        int photo = random.Next(pool.Count);
        var (w, h) = pool.Size(photo);
        int shortSide = Math.Min(w, h);
        int side = SideFor(shortSide, size, random.NextDouble());
        int x = random.Next(w - side + 1), y = random.Next(h - side + 1);
        bool mirror = random.Next(2) == 1;
        bool jitter = random.NextDouble() < colorJitter;
        float angle = (float)(random.NextDouble() * 2 * Math.PI), saturation = (float)(0.4 + 0.8 * random.NextDouble());
        return new CropDraw(photo, x, y, side, mirror, jitter, angle, saturation);
    }

    /// <summary>A crop side for a uniform draw <paramref name="u"/> in [0, 1): MinScale to all of the short side, at
    /// least the crop size (no enlarging where the photo allows), at most the short side.</summary>
    public static int SideFor(int shortSide, int size, double u) =>
        Math.Min(shortSide, Math.Max(size, (int)(shortSide * (MinScale + (1 - MinScale) * u))));

    /// <summary>The centred full-height square of a photo, as the test set's first crop per photo.</summary>
    public static CropDraw Centre(PhotoPool pool, int photo)
    {
        var (w, h) = pool.Size(photo);
        int side = Math.Min(w, h);
        return new CropDraw(photo, (w - side) / 2, (h - side) / 2, side, false, false, 0, 1);
    }
}

/// <summary>
/// Renders crops of pooled photos to planar RGB in [0, 1] at the training size: a separable triangle (tent) filter
/// whose support widens with the reduction factor (as ImageSharp's Triangle resampler, so shrinking averages instead
/// of aliasing), written straight into the caller's buffer; optional mirror and chroma jitter; and the rgb2gray image
/// the features are computed on. One renderer per thread; its scratch buffers are reused, so rendering allocates
/// nothing per crop.
/// </summary>
public sealed class CropRenderer
{
    private readonly int _size;
    private float[] _rows = [];       // side × size × 3 after the horizontal pass
    private float[] _weights = [];    // size × taps
    private int[] _starts;

    public CropRenderer(int size)
    {
        if (size < 8) throw new ArgumentOutOfRangeException(nameof(size), size, "Crop size must be at least 8.");
        _size = size;
        _starts = new int[size];
        Gray = new GrayImage(size, size);
    }

    /// <summary>The rgb2gray image of the last rendered crop (overwritten by the next).</summary>
    public GrayImage Gray { get; }

    /// <summary>Renders <paramref name="draw"/> into <paramref name="rgb"/> (3 × size × size, planar, [0, 1]) and <see cref="Gray"/>.</summary>
    public void Render(PhotoPool pool, in CropDraw draw, Span<float> rgb)
    {
        int s = _size, plane = s * s;
        if (rgb.Length != 3 * plane) throw new ArgumentException($"Crop buffer holds {rgb.Length} values, needs {3 * plane}.", nameof(rgb));
        var (w, _) = pool.Size(draw.Photo);
        var pixels = pool.Pixels(draw.Photo);
        int taps = Weights(draw.Side);
        int side = draw.Side;
        if (_rows.Length < side * s * 3) _rows = new float[side * s * 3];

        // Horizontal pass: each source row of the crop to `size` columns (mirrored when asked), channels interleaved.
        for (int r = 0; r < side; r++)
        {
            var row = pixels.Slice(3 * ((draw.Y + r) * w + draw.X), 3 * side);
            var outRow = _rows.AsSpan(r * s * 3, s * 3);
            for (int o = 0; o < s; o++)
            {
                int start = _starts[o];
                var wts = _weights.AsSpan(o * taps, taps);
                float sr = 0, sg = 0, sb = 0;
                for (int t = 0; t < wts.Length; t++)
                {
                    float wt = wts[t];
                    if (wt == 0) continue;
                    int k = 3 * (start + t);
                    sr += wt * row[k]; sg += wt * row[k + 1]; sb += wt * row[k + 2];
                }
                int dst = 3 * (draw.Mirror ? s - 1 - o : o);
                outRow[dst] = sr; outRow[dst + 1] = sg; outRow[dst + 2] = sb;
            }
        }
        // Vertical pass into planar RGB, scaled to [0, 1] and rounded to 8-bit levels as a decoded crop would be.
        var red = rgb[..plane]; var green = rgb.Slice(plane, plane); var blue = rgb.Slice(2 * plane, plane);
        for (int o = 0; o < s; o++)
        {
            int start = _starts[o];
            var wts = _weights.AsSpan(o * taps, taps);
            for (int x = 0; x < s; x++)
            {
                float sr = 0, sg = 0, sb = 0;
                for (int t = 0; t < wts.Length; t++)
                {
                    float wt = wts[t];
                    if (wt == 0) continue;
                    int k = ((start + t) * s + x) * 3;
                    sr += wt * _rows[k]; sg += wt * _rows[k + 1]; sb += wt * _rows[k + 2];
                }
                int p = o * s + x;
                red[p] = Quantize(sr); green[p] = Quantize(sg); blue[p] = Quantize(sb);
            }
        }
        if (draw.Jitter) ChromaJitter.Apply(red, green, blue, draw.HueAngle, draw.Saturation);
        Grayscale.Fill(red, green, blue, Gray.Pixels);
    }

    private static float Quantize(float v) => Math.Clamp(MathF.Round(v), 0f, 255f) * (1f / 255f);

    /// <summary>Tent weights for `side` → `size` (normalised per output sample); returns the taps per sample.</summary>
    private int Weights(int side)
    {
        double ratio = (double)side / _size, radius = Math.Max(1.0, ratio);
        int taps = (int)Math.Ceiling(2 * radius) + 1;
        if (_weights.Length < _size * taps) _weights = new float[_size * taps];
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
            for (int t = 0; t < taps; t++) _weights[o * taps + t] = (float)(_weights[o * taps + t] / sum);
            _starts[o] = start;
        }
        return taps;
    }
}

/// <summary>
/// Chroma jitter for training crops: rotates the chroma (I, Q of YIQ) by an angle and scales it, keeping the
/// luminance the features see — Y is rgb2gray's (<see cref="Grayscale"/> weights), and after the chroma change each
/// pixel is shifted along grey so that its rgb2gray value is Y again; then clamped to [0, 1]. The grayscale input of
/// the representations is therefore unchanged (up to clamping), so the decoder learns how uncertain colour is given
/// the features instead of memorising a few photos' palettes.
/// </summary>
public static class ChromaJitter
{
    public static void Apply(Span<float> r, Span<float> g, Span<float> b, double angle, double saturation)
    {
        const double wr = Grayscale.RedWeight, wg = Grayscale.GreenWeight, wb = Grayscale.BlueWeight, wsum = wr + wg + wb;
        double cos = Math.Cos(angle) * saturation, sin = Math.Sin(angle) * saturation;
        for (int k = 0; k < r.Length; k++)
        {
            double y = wr * r[k] + wg * g[k] + wb * b[k];
            double i = 0.596 * r[k] - 0.274 * g[k] - 0.322 * b[k];
            double q = 0.211 * r[k] - 0.523 * g[k] + 0.312 * b[k];
            double i2 = cos * i - sin * q, q2 = sin * i + cos * q;
            double r2 = y + 0.956 * i2 + 0.621 * q2, g2 = y - 0.272 * i2 - 0.647 * q2, b2 = y - 1.106 * i2 + 1.703 * q2;
            double shift = (y - (wr * r2 + wg * g2 + wb * b2)) / wsum;
            r[k] = (float)Math.Clamp(r2 + shift, 0, 1);
            g[k] = (float)Math.Clamp(g2 + shift, 0, 1);
            b[k] = (float)Math.Clamp(b2 + shift, 0, 1);
        }
    }

    public static void Apply(ColorImage image, double angle, double saturation) =>
        Apply(image.Plane(0), image.Plane(1), image.Plane(2), angle, saturation);
}
