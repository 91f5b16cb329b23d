namespace FeatureInversion.Imaging;

/// <summary>
/// A single-channel float image in row-major order (x fastest, y pointing down), the input of every
/// hand-designed feature representation. Values are in [0, 1] unless a consumer documents otherwise.
/// </summary>
public sealed class GrayImage
{
    public GrayImage(int width, int height)
        : this(width, height, new float[checked(width * height)]) { }

    public GrayImage(int width, int height, float[] pixels)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"Image size must be positive, got {width}x{height}.");
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != checked(width * height))
            throw new ArgumentException(
                $"Expected {width * height} pixels for {width}x{height}, got {pixels.Length}.",
                nameof(pixels)
            );
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Pixel (x, y) is at <c>Pixels[y * Width + x]</c>.</summary>
    public float[] Pixels { get; }

    public float this[int x, int y]
    {
        get => Pixels[y * Width + x];
        set => Pixels[y * Width + x] = value;
    }

    /// <summary>Throws when any pixel is NaN or infinite: extractors would silently propagate them.</summary>
    public void EnsureFinite()
    {
        int i = FiniteValues.IndexOfNonFinite(Pixels);
        if (i >= 0)
            throw new ArgumentException($"Image has a non-finite pixel at ({i % Width}, {i / Width}).");
    }

    /// <summary>Returns a copy with every pixel multiplied by <paramref name="factor"/>.</summary>
    public GrayImage Scaled(float factor)
    {
        var scaled = new float[Pixels.Length];
        for (int i = 0; i < scaled.Length; i++)
        {
            scaled[i] = Pixels[i] * factor;
        }
        return new GrayImage(Width, Height, scaled);
    }
}
