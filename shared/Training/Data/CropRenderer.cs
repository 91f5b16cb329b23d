using FeatureInversion.Imaging;

namespace FeatureInversion.Training.Data;

/// <summary>Where a crop comes from: a square of <see cref="Side"/> pixels at (X, Y) of a pooled photo, maybe
/// mirrored, maybe with its chroma rotated by <see cref="HueAngle"/> and scaled by <see cref="Saturation"/>.</summary>
public readonly record struct CropDraw(
    int Photo,
    int X,
    int Y,
    int Side,
    bool Mirror,
    bool Jitter,
    float HueAngle,
    float Saturation
)
{
    /// <summary>Smallest crop side as a fraction of the photo's short side.</summary>
    public const double MinScale = 0.2;

    /// <summary>A random crop: photo, side (20–100 % of the short side, at least <paramref name="size"/>), position,
    /// mirror, and with probability <paramref name="colorJitter"/> a random hue angle and a saturation in [0.4,
    /// 1.2].</summary>
    public static CropDraw Random(ref SplitMix random, PhotoPool pool, int size, double colorJitter)
    {
        int photo = random.Next(pool.Count);
        var (w, h) = pool.Size(photo);
        int shortSide = Math.Min(w, h);
        int side = SideFor(shortSide, size, random.NextDouble());
        int x = random.Next(w - side + 1),
            y = random.Next(h - side + 1);
        bool mirror = random.Next(2) == 1;
        bool jitter = random.NextDouble() < colorJitter;
        float angle = (float)(random.NextDouble() * 2 * Math.PI),
            saturation = (float)(0.4 + 0.8 * random.NextDouble());
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
/// Renders crops of pooled photos to planar RGB in [0, 1] at the training size with the <see cref="TentResampler"/>
/// (the filter the pipeline's decoder views use), then optional chroma jitter, and the rgb2gray image the features are
/// computed on. One renderer per thread; its scratch buffers are reused, so rendering allocates nothing per crop.
/// </summary>
public sealed class CropRenderer
{
    private readonly TentResampler _resampler;

    public CropRenderer(int size)
    {
        if (size < 8)
            throw new ArgumentOutOfRangeException(nameof(size), size, "Crop size must be at least 8.");
        _resampler = new TentResampler(size);
        Gray = new GrayImage(size, size);
    }

    /// <summary>The rgb2gray image of the last rendered crop (overwritten by the next).</summary>
    public GrayImage Gray { get; }

    /// <summary>Renders <paramref name="draw"/> into <paramref name="rgb"/> (3 × size × size, planar, [0, 1]) and <see
    /// cref="Gray"/>.</summary>
    public void Render(PhotoPool pool, in CropDraw draw, Span<float> rgb)
    {
        int plane = _resampler.Size * _resampler.Size;
        var (w, _) = pool.Size(draw.Photo);
        _resampler.Render(pool.Pixels(draw.Photo), w, draw.X, draw.Y, draw.Side, draw.Mirror, rgb);
        var red = rgb[..plane];
        var green = rgb.Slice(plane, plane);
        var blue = rgb.Slice(2 * plane, plane);
        if (draw.Jitter)
            ChromaJitter.Apply(red, green, blue, draw.HueAngle, draw.Saturation);
        Grayscale.Fill(red, green, blue, Gray.Pixels);
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
        const double wr = Grayscale.RedWeight,
            wg = Grayscale.GreenWeight,
            wb = Grayscale.BlueWeight,
            wsum = wr + wg + wb;
        double cos = Math.Cos(angle) * saturation,
            sin = Math.Sin(angle) * saturation;
        for (int k = 0; k < r.Length; k++)
        {
            double y = wr * r[k] + wg * g[k] + wb * b[k];
            double i = 0.596 * r[k] - 0.274 * g[k] - 0.322 * b[k];
            double q = 0.211 * r[k] - 0.523 * g[k] + 0.312 * b[k];
            double i2 = cos * i - sin * q,
                q2 = sin * i + cos * q;
            double r2 = y + 0.956 * i2 + 0.621 * q2,
                g2 = y - 0.272 * i2 - 0.647 * q2,
                b2 = y - 1.106 * i2 + 1.703 * q2;
            double shift = (y - (wr * r2 + wg * g2 + wb * b2)) / wsum;
            r[k] = (float)Math.Clamp(r2 + shift, 0, 1);
            g[k] = (float)Math.Clamp(g2 + shift, 0, 1);
            b[k] = (float)Math.Clamp(b2 + shift, 0, 1);
        }
    }

    public static void Apply(ColorImage image, double angle, double saturation) =>
        Apply(image.Plane(0), image.Plane(1), image.Plane(2), angle, saturation);
}
