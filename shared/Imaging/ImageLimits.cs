namespace FeatureInversion.Imaging;

/// <summary>
/// What an input image may cost before a single pixel is decoded: its file size, and the width × height its header
/// declares (a 70-byte PNG can declare 30000 × 30000). Checked by <see cref="ImageFiles.Inspect"/> on the header, so a
/// decompression bomb is refused at the price of its header. The defaults keep one decode of the largest accepted
/// image (3 bytes per pixel for the pixels, up to 6 more inside ImageSharp's progressive-JPEG decoder) under about
/// 300 MB; docs/reliability.md has the measured peaks.
/// </summary>
public sealed record ImageLimits
{
    /// <summary>The largest accepted file (bytes).</summary>
    public long MaxBytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>The largest accepted width × height: 40 megapixels (a 7700 × 5200 photograph).</summary>
    public long MaxPixels { get; init; } = 40_000_000;

    /// <summary>The longest accepted side (a 1 × 40,000,000 strip is no photograph).</summary>
    public int MaxSide { get; init; } = 16384;

    /// <summary>Appended to a megapixel refusal: why this limit (e.g. "for sift-grid at full resolution").</summary>
    public string? Context { get; init; }

    public static ImageLimits Default { get; } = new();

    /// <summary>Why an image of this size is refused, or null.</summary>
    public string? Refusal(long width, long height)
    {
        if (width > MaxSide || height > MaxSide)
            return $"{width}x{height} exceeds the {MaxSide}-pixel side limit";
        if (width * height > MaxPixels)
            return $"{width}x{height} ({width * height / 1e6:F1} megapixels) exceeds the "
                + $"{MaxPixels / 1e6:G3}-megapixel limit{(Context is null ? "" : " " + Context)}";
        return null;
    }
}

/// <summary>
/// An image's header: its stored size, format and EXIF orientation (1–8; 1 when absent). <see cref="Width"/> and
/// <see cref="Height"/> are as displayed, that is after the orientation (5–8 swap them).
/// </summary>
public readonly record struct ImageHeader(int StoredWidth, int StoredHeight, string Format, int Orientation)
{
    public bool Transposed => Orientation >= 5;
    public int Width => Transposed ? StoredHeight : StoredWidth;
    public int Height => Transposed ? StoredWidth : StoredHeight;
}
