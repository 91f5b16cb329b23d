namespace FeatureInversion.Imaging;

/// <summary>
/// An RGB float image stored planar (channels × rows × cols, C order), values in [0, 1]. This is the layout
/// decoders predict and the target of reconstruction; <see cref="ToGray"/> gives the representations' input.
/// </summary>
public sealed class ColorImage
{
    public ColorImage(int width, int height)
        : this(width, height, new float[checked(3 * width * height)]) { }

    public ColorImage(int width, int height, float[] planes)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"Image size must be positive, got {width}x{height}.");
        ArgumentNullException.ThrowIfNull(planes);
        if (planes.Length != checked(3 * width * height))
            throw new ArgumentException(
                $"Expected {3 * width * height} values for 3x{height}x{width}, got {planes.Length}.",
                nameof(planes)
            );
        Width = width;
        Height = height;
        Planes = planes;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Channel c (0 = R, 1 = G, 2 = B) of pixel (x, y) is at <c>Planes[(c * Height + y) * Width +
    /// x]</c>.</summary>
    public float[] Planes { get; }

    public Span<float> Plane(int channel) => Planes.AsSpan(channel * Width * Height, Width * Height);

    /// <summary>The top-left <paramref name="width"/> × <paramref name="height"/> pixels (a copy; this image when
    /// already that size).</summary>
    public ColorImage Crop(int width, int height)
    {
        if (width == Width && height == Height)
            return this;
        if (width <= 0 || height <= 0 || width > Width || height > Height)
            throw new ArgumentException($"Cannot crop {width}x{height} out of {Width}x{Height}.");
        var crop = new ColorImage(width, height);
        for (int c = 0; c < 3; c++)
        {
            var src = Plane(c);
            var dst = crop.Plane(c);
            for (int y = 0; y < height; y++)
                src.Slice(y * Width, width).CopyTo(dst.Slice(y * width, width));
        }
        return crop;
    }

    /// <summary>Grayscale as MATLAB <c>rgb2gray</c> on [0, 1] values (no rounding); see <see
    /// cref="Grayscale"/>.</summary>
    public GrayImage ToGray() => Grayscale.FromRgb(this);
}
