using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FeatureInversion.Imaging;

/// <summary>Thrown when bytes that should hold an image cannot be decoded as one.</summary>
public sealed class InvalidImageException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reading and writing images (JPEG, PNG, BMP, GIF, TGA, WebP, TIFF via ImageSharp 2.1) as 8-bit sRGB values
/// mapped linearly to [0, 1]. No colour management or gamma conversion: the paper works on raw 8-bit values.
/// </summary>
public static class ImageFiles
{
    /// <summary>Largest accepted side in pixels; larger uploads are refused rather than decoded into gigabytes.</summary>
    public const int MaxSide = 16384;

    public static ColorImage Load(string path) => Decode(File.ReadAllBytes(path), Path.GetFileName(path));

    public static ColorImage Load(Stream stream, string name = "image")
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Decode(copy.GetBuffer().AsSpan(0, (int)copy.Length), name);
    }

    public static ColorImage Decode(ReadOnlySpan<byte> bytes, string name = "image")
    {
        using var image = DecodeRgb24(bytes, name);
        return Rgb24Pixels.ToColorImage(image);
    }

    /// <summary>Decodes to 8-bit RGB with the same checks as <see cref="Decode"/> (for code that keeps bytes, not floats).</summary>
    public static Image<Rgb24> DecodeRgb24(ReadOnlySpan<byte> bytes, string name = "image")
    {
        if (bytes.IsEmpty) throw new InvalidImageException($"{name}: empty file.");
        EnsureJpegComplete(bytes, name);
        try
        {
            var image = Image.Load<Rgb24>(bytes);
            if (image.Width > MaxSide || image.Height > MaxSide)
            {
                image.Dispose();
                throw new InvalidImageException($"{name}: {image.Width}x{image.Height} exceeds the {MaxSide}-pixel side limit.");
            }
            return image;
        }
        catch (UnknownImageFormatException e)
        {
            throw new InvalidImageException($"{name}: not a recognised image format.", e);
        }
        catch (ImageFormatException e)
        {
            throw new InvalidImageException($"{name}: corrupt image data ({e.Message}).", e);
        }
        catch (NotSupportedException e)
        {
            throw new InvalidImageException($"{name}: unsupported image ({e.Message}).", e);
        }
    }

    /// <summary>
    /// ImageSharp decodes a truncated JPEG without error, filling the missing part; such an upload must be refused.
    /// A complete JPEG has an end-of-image marker (FF D9) after its last start-of-scan (FF DA): entropy-coded data
    /// cannot contain either (0xFF is byte-stuffed), and EXIF thumbnails end before the main image's scans.
    /// </summary>
    private static void EnsureJpegComplete(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < 2 || bytes[0] != 0xFF || bytes[1] != 0xD8) return;
        int lastScan = bytes.LastIndexOf([(byte)0xFF, (byte)0xDA]);
        int end = bytes.LastIndexOf([(byte)0xFF, (byte)0xD9]);
        if (lastScan < 0 || end < lastScan)
            throw new InvalidImageException($"{name}: corrupt image data (JPEG truncated: no end-of-image marker after the last scan).");
    }

    public static void SavePng(ColorImage image, string path)
    {
        using var stream = File.Create(path);
        SavePng(image, stream);
    }

    public static void SavePng(ColorImage image, Stream stream)
    {
        using var rgb = Rgb24Pixels.ToImage(image);
        rgb.Save(stream, new PngEncoder());
    }

    /// <summary>The image as PNG file bytes (for blobs).</summary>
    public static byte[] EncodePng(ColorImage image)
    {
        using var stream = new MemoryStream();
        SavePng(image, stream);
        return stream.ToArray();
    }

    /// <summary>Writes a grayscale image, clamping to [0, 1].</summary>
    public static void SavePng(GrayImage image, string path)
    {
        var planes = new float[3 * image.Pixels.Length];
        for (int c = 0; c < 3; c++) image.Pixels.CopyTo(planes, c * image.Pixels.Length);
        SavePng(new ColorImage(image.Width, image.Height, planes), path);
    }

    /// <summary>Bilinear (triangle filter) resize, as used for training crops and evaluation upsampling.</summary>
    public static ColorImage Resize(ColorImage image, int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"Target size must be positive, got {width}x{height}.");
        using var rgb = Rgb24Pixels.ToImage(image);
        rgb.Mutate(c => c.Resize(width, height, KnownResamplers.Triangle));
        return Rgb24Pixels.ToColorImage(rgb);
    }

    /// <summary>
    /// The decoder's view of a photograph: its centred largest square, resized (triangle filter) to
    /// <paramref name="size"/>, as training and test crops are made. Ingestion, reconstruction and evaluation use it.
    /// </summary>
    public static ColorImage CenterSquare(ColorImage photo, int size)
    {
        int side = Math.Min(photo.Width, photo.Height);
        int x0 = (photo.Width - side) / 2, y0 = (photo.Height - side) / 2;
        var square = new ColorImage(side, side);
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < side; y++)
                photo.Planes.AsSpan((c * photo.Height + y0 + y) * photo.Width + x0, side).CopyTo(square.Planes.AsSpan((c * side + y) * side, side));
        }
        return side == size ? square : Resize(square, size, size);
    }
}
