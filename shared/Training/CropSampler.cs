using FeatureInversion.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FeatureInversion.Training;

/// <summary>
/// Square crops of photographs rescaled to the training size, as training and test images. Photos are decoded
/// once and reduced to at most <see cref="WorkingSide"/> pixels on their short side; a crop covers a random
/// 20–100% of that side at a random position, is optionally mirrored and resized with a
/// triangle filter. Everything is seeded: the same photos, count and seed give the same crops.
/// </summary>
public sealed class CropSampler : IDisposable
{
    public const int WorkingSide = 512;
    /// <summary>Smallest crop side as a fraction of the photo's short side.</summary>
    public const double MinScale = 0.2;

    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"];
    private readonly List<Image<Rgb24>> _photos = [];

    public CropSampler(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: no such photo folder.");
        Files = Directory.GetFiles(directory).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal).ToList();
        if (Files.Count == 0) throw new InvalidDataException($"{directory}: no photographs ({string.Join(", ", Extensions)}).");
        foreach (var file in Files)
        {
            // Decode through ImageFiles for its checks (truncated JPEGs etc.), then keep a reduced 8-bit copy.
            var color = ImageFiles.Load(file);
            var image = Rgb24Pixels.ToImage(color);
            int shortSide = Math.Min(image.Width, image.Height);
            if (shortSide > WorkingSide)
            {
                double f = (double)WorkingSide / shortSide;
                image.Mutate(c => c.Resize((int)Math.Round(image.Width * f), (int)Math.Round(image.Height * f), KnownResamplers.Triangle));
            }
            _photos.Add(image);
        }
    }

    public IReadOnlyList<string> Files { get; }

    /// <summary>
    /// Random crops: photo, scale, position and mirroring drawn from a generator seeded with <paramref name="seed"/>.
    /// With <paramref name="colorJitter"/> &gt; 0, that fraction of crops gets its chroma rotated by a random hue angle
    /// and scaled by a random saturation factor in YIQ space, luminance unchanged (see <see cref="JitterChroma"/>).
    /// </summary>
    public List<ColorImage> Random(int count, int size, int seed, double colorJitter = 0)
    {
        var random = new Random(seed);
        var crops = new List<ColorImage>(count);
        for (int i = 0; i < count; i++)
        {
            var photo = _photos[random.Next(_photos.Count)];
            int shortSide = Math.Min(photo.Width, photo.Height);
            int side = Math.Max(size, (int)(shortSide * (MinScale + (1 - MinScale) * random.NextDouble())));
            side = Math.Min(side, shortSide);
            int x = random.Next(photo.Width - side + 1), y = random.Next(photo.Height - side + 1);
            bool mirror = random.Next(2) == 1;
            var crop = Crop(photo, x, y, side, size, mirror);
            if (random.NextDouble() < colorJitter) JitterChroma(crop, random.NextDouble() * 2 * Math.PI, 0.4 + 0.8 * random.NextDouble());
            crops.Add(crop);
        }
        return crops;
    }

    /// <summary>
    /// Rotates the chroma (I, Q of YIQ) of every pixel by <paramref name="angle"/> and scales it by
    /// <paramref name="saturation"/>, keeping the luminance the features see: Y is <c>rgb2gray</c>'s
    /// (<see cref="Grayscale"/> weights), and after the chroma change each pixel is shifted along grey so its
    /// rgb2gray value is Y again; then clamped to [0, 1]. The grayscale input of the representations is therefore
    /// unchanged (up to clamping), so the decoder learns how uncertain colour is given the features instead of
    /// memorising the few photos' palettes.
    /// </summary>
    public static void JitterChroma(ColorImage image, double angle, double saturation)
    {
        const double wr = Grayscale.RedWeight, wg = Grayscale.GreenWeight, wb = Grayscale.BlueWeight, wsum = wr + wg + wb;
        int n = image.Width * image.Height;
        var r = image.Plane(0); var g = image.Plane(1); var b = image.Plane(2);
        double cos = Math.Cos(angle) * saturation, sin = Math.Sin(angle) * saturation;
        for (int k = 0; k < n; k++)
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

    /// <summary>Test crops: per photo the centred full-height square, then <paramref name="perPhoto"/> − 1 random ones
    /// seeded with <see cref="Seeds.EvaluationCrops"/> (the same crops for every decoder).</summary>
    public List<ColorImage> Evaluation(int perPhoto, int size)
    {
        var random = new Random(Seeds.EvaluationCrops);
        var crops = new List<ColorImage>();
        foreach (var photo in _photos)
        {
            int shortSide = Math.Min(photo.Width, photo.Height);
            crops.Add(Crop(photo, (photo.Width - shortSide) / 2, (photo.Height - shortSide) / 2, shortSide, size, false));
            for (int i = 1; i < perPhoto; i++)
            {
                int side = Math.Max(size, (int)(shortSide * (MinScale + (1 - MinScale) * random.NextDouble())));
                side = Math.Min(side, shortSide);
                crops.Add(Crop(photo, random.Next(photo.Width - side + 1), random.Next(photo.Height - side + 1), side, size, false));
            }
        }
        return crops;
    }

    private static ColorImage Crop(Image<Rgb24> photo, int x, int y, int side, int size, bool mirror)
    {
        using var crop = photo.Clone(c =>
        {
            c.Crop(new Rectangle(x, y, side, side)).Resize(size, size, KnownResamplers.Triangle);
            if (mirror) c.Flip(FlipMode.Horizontal);
        });
        return Rgb24Pixels.ToColorImage(crop);
    }

    public void Dispose()
    {
        foreach (var photo in _photos) photo.Dispose();
        _photos.Clear();
    }
}
