using FeatureInversion.Imaging;

namespace FeatureInversion.Training.Data;

/// <summary>Where a crop comes from: a square of <see cref="Side"/> pixels at (X, Y) of a pooled photo, maybe
/// mirrored, maybe with its chroma rotated by <see cref="HueAngle"/> and scaled by <see cref="Saturation"/>, turned by
/// <see cref="Rotation"/> radians about its centre, and its contrast and brightness changed.</summary>
public readonly record struct CropDraw(
    int Photo,
    int X,
    int Y,
    int Side,
    bool Mirror,
    bool Jitter,
    float HueAngle,
    float Saturation,
    float Rotation = 0,
    float Contrast = 1,
    float Brightness = 0
)
{
    /// <summary>Smallest crop side as a fraction of the photo's short side.</summary>
    public const double MinScale = 0.2;

    /// <summary>A random crop: photo, side (20–100 % of the short side, at least <paramref name="size"/>), position,
    /// mirror, and with probability <see cref="CropAugmentation.ColorJitter"/> a random hue angle and a saturation in
    /// [0.4, 1.2]; then, only when <paramref name="augmentation"/> asks, a rotation (the crop shrinks so that it fits
    /// turned at the largest angle) and a contrast and brightness.</summary>
    public static CropDraw Random(ref SplitMix random, PhotoPool pool, int size, CropAugmentation augmentation)
    {
        int photo = random.Next(pool.Count);
        var (w, h) = pool.Size(photo);
        int shortSide = Math.Min(w, h);
        bool rotates = augmentation.RotationDegrees > 0;
        double room = rotates ? augmentation.Room : 1;
        int side = SideFor(rotates ? (int)(shortSide / room) : shortSide, size, random.NextDouble());
        // The square that holds the crop at any allowed angle is placed; without rotation it is the crop.
        int outer = rotates ? Math.Min(shortSide, (int)Math.Ceiling(side * room)) : side;
        int x = random.Next(w - outer + 1) + (outer - side) / 2,
            y = random.Next(h - outer + 1) + (outer - side) / 2;
        bool mirror = random.Next(2) == 1;
        bool jitter = random.NextDouble() < augmentation.ColorJitter;
        float angle = (float)(random.NextDouble() * 2 * Math.PI),
            saturation = (float)(0.4 + 0.8 * random.NextDouble());
        // Later draws only when on, so the stream above stays the one runs without them had.
        float rotation = rotates
            ? (float)((2 * random.NextDouble() - 1) * augmentation.RotationDegrees * Math.PI / 180)
            : 0;
        float contrast = 1,
            brightness = 0;
        if (augmentation.Photometric > 0 && random.NextDouble() < augmentation.Photometric)
        {
            contrast = (float)(
                CropAugmentation.MinContrast
                + (CropAugmentation.MaxContrast - CropAugmentation.MinContrast) * random.NextDouble()
            );
            brightness = (float)((2 * random.NextDouble() - 1) * CropAugmentation.MaxBrightness);
        }
        return new CropDraw(photo, x, y, side, mirror, jitter, angle, saturation, rotation, contrast, brightness);
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
/// (the filter the pipeline's decoder views use), then optional rotation, contrast and brightness, and chroma jitter,
/// and the rgb2gray image the features are computed on. One renderer per thread; its scratch buffers are reused, so
/// rendering allocates nothing per crop once they have grown.
/// </summary>
public sealed class CropRenderer
{
    private readonly TentResampler _resampler;
    private readonly Dictionary<int, TentResampler> _turned = []; // by the side of the square a rotation reads
    private float[] _outer = [];

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
        if (draw.Rotation == 0)
            _resampler.Render(pool.Pixels(draw.Photo), w, draw.X, draw.Y, draw.Side, draw.Mirror, rgb);
        else
            RenderTurned(pool, draw, rgb);
        var red = rgb[..plane];
        var green = rgb.Slice(plane, plane);
        var blue = rgb.Slice(2 * plane, plane);
        if (draw.Contrast != 1 || draw.Brightness != 0)
            Photometric.Apply(red, green, blue, draw.Contrast, draw.Brightness);
        if (draw.Jitter)
            ChromaJitter.Apply(red, green, blue, draw.HueAngle, draw.Saturation);
        Grayscale.Fill(red, green, blue, Gray.Pixels);
    }

    /// <summary>
    /// A turned crop: the square around it that holds it at this angle is resampled at the crop's own scale (so the
    /// tent filter averages as for any crop), then read bilinearly along the turned axes and rounded to 8-bit levels.
    /// </summary>
    private void RenderTurned(PhotoPool pool, in CropDraw draw, Span<float> rgb)
    {
        int size = _resampler.Size;
        var (w, h) = pool.Size(draw.Photo);
        double cos = Math.Cos(draw.Rotation),
            sin = Math.Sin(draw.Rotation);
        // Side of the outer square in output pixels (a pixel to spare for the bilinear reads), then in photo pixels.
        int outerSize = (int)Math.Ceiling(size * (Math.Abs(cos) + Math.Abs(sin))) + 2;
        double scale = (double)draw.Side / size;
        int outerSide = Math.Min(Math.Min(w, h), (int)Math.Round(outerSize * scale));
        double cx = draw.X + draw.Side / 2.0,
            cy = draw.Y + draw.Side / 2.0;
        int ox = Math.Clamp((int)Math.Round(cx - outerSide / 2.0), 0, w - outerSide),
            oy = Math.Clamp((int)Math.Round(cy - outerSide / 2.0), 0, h - outerSide);
        if (!_turned.TryGetValue(outerSize, out var resampler))
            _turned[outerSize] = resampler = new TentResampler(outerSize);
        int outerPlane = outerSize * outerSize;
        if (_outer.Length < 3 * outerPlane)
            _outer = new float[3 * outerPlane];
        var outer = _outer.AsSpan(0, 3 * outerPlane);
        resampler.Render(pool.Pixels(draw.Photo), w, ox, oy, outerSide, draw.Mirror, outer);

        // The crop's centre in the outer square's pixels (its own scale: outerSide / outerSize photo pixels each).
        double step = (double)outerSide / outerSize;
        double ccx = (cx - ox) / step - 0.5,
            ccy = (cy - oy) / step - 0.5;
        if (draw.Mirror)
            ccx = outerSize - 1 - ccx;
        double ratio = scale / step; // output pixel in outer pixels (1 up to rounding)
        int plane = size * size;
        for (int i = 0; i < size; i++)
        {
            double v = (i + 0.5 - size / 2.0) * ratio;
            for (int j = 0; j < size; j++)
            {
                double u = (j + 0.5 - size / 2.0) * ratio;
                double sx = Math.Clamp(ccx + cos * u - sin * v, 0, outerSize - 1),
                    sy = Math.Clamp(ccy + sin * u + cos * v, 0, outerSize - 1);
                int x0 = Math.Min((int)sx, outerSize - 2),
                    y0 = Math.Min((int)sy, outerSize - 2);
                float fx = (float)(sx - x0),
                    fy = (float)(sy - y0);
                int k = y0 * outerSize + x0;
                for (int c = 0; c < 3; c++)
                {
                    var p = outer.Slice(c * outerPlane, outerPlane);
                    float top = p[k] + fx * (p[k + 1] - p[k]),
                        bottom = p[k + outerSize] + fx * (p[k + outerSize + 1] - p[k + outerSize]);
                    rgb[c * plane + i * size + j] = Quantize(top + fy * (bottom - top));
                }
            }
        }
    }

    /// <summary>A value in [0, 1] clamped and rounded to the nearest 8-bit level, as a decoded photo holds
    /// it.</summary>
    internal static float Quantize(float v) => Math.Clamp(MathF.Round(v * 255f), 0f, 255f) * (1f / 255f);
}

/// <summary>
/// Contrast and brightness for training crops: each channel becomes m + contrast·(x − m) + brightness, m the crop's
/// mean rgb2gray value, clamped to [0, 1] and rounded to 8-bit levels as a decoded photo would be. The features see the
/// change (unlike <see cref="ChromaJitter"/>): the decoder meets exposures the photos do not have.
/// </summary>
public static class Photometric
{
    public static void Apply(Span<float> r, Span<float> g, Span<float> b, float contrast, float brightness)
    {
        double sum = 0;
        for (int k = 0; k < r.Length; k++)
            sum += Grayscale.RedWeight * r[k] + Grayscale.GreenWeight * g[k] + Grayscale.BlueWeight * b[k];
        float mean = (float)(sum / r.Length),
            offset = mean - contrast * mean + brightness;
        Adjust(r, contrast, offset);
        Adjust(g, contrast, offset);
        Adjust(b, contrast, offset);
    }

    private static void Adjust(Span<float> channel, float contrast, float offset)
    {
        for (int k = 0; k < channel.Length; k++)
            channel[k] = CropRenderer.Quantize(contrast * channel[k] + offset);
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
