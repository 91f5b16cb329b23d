using System.Runtime.InteropServices;
using FeatureInversion.Imaging.Integrity;
using FeatureInversion.Imaging.Jpeg;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FeatureInversion.Imaging;

/// <summary>Thrown when bytes that should hold an image cannot be decoded as one, or are refused by the
/// limits.</summary>
public sealed class InvalidImageException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What ingestion takes from one decode of an upload: the decoder's views by size, the header, a thumbnail
/// (JPEG) and the re-identification signature (<see cref="ImageSignature"/>) when asked for, and the whole image
/// upright at each short side asked for.</summary>
public sealed record DecodedUpload(
    Dictionary<int, ColorImage> Views,
    ImageHeader Header,
    byte[]? Thumbnail,
    Dictionary<int, ColorImage> Wholes,
    string? Signature
);

/// <summary>
/// Reading and writing images (JPEG, PNG, BMP, GIF, TGA, WebP, TIFF via ImageSharp 2.1) as 8-bit sRGB values
/// mapped linearly to [0, 1]. No colour management or gamma conversion: the paper works on raw 8-bit values.
/// Every read goes through <see cref="Inspect"/> first: file size, the header's declared size against
/// <see cref="ImageLimits"/>, and completeness (PNG, JPEG, BMP, TIFF and WebP data that stops early) — all before
/// pixels are decoded. Images are shown upright: the EXIF orientation is applied.
/// </summary>
public static class ImageFiles
{
    /// <summary>Decoding configuration: contiguous pixel buffers (so views read them as one span), a small retained
    /// pool (ImageSharp's default keeps freed buffers, hundreds of MB after a few large images), a hard cap per
    /// allocation as a backstop behind the header checks, no metadata (orientation comes from <see cref="Identify"/>;
    /// PNG zTXt/iTXt text would otherwise be inflated without bound) and only the first frame of GIF and TIFF (every
    /// frame of a small animated GIF is a full canvas: a 4.6 KB file reached 1.37 GB).</summary>
    private static readonly Configuration Decoding = CreateConfiguration(metadata: false);

    /// <summary>The decoding configuration, for benchmarks that compare decoders as the pipeline runs them.</summary>
    internal static Configuration DecodingConfiguration => Decoding;

    /// <summary>For headers: JPEG, WebP and TIFF metadata is read (their EXIF orientation); PNG's is not, so its text
    /// chunks are never inflated (a PNG's eXIf orientation is therefore not applied; docs/reliability.md).</summary>
    private static readonly Configuration Identifying = CreateConfiguration(metadata: true);

    private static Configuration CreateConfiguration(bool metadata)
    {
        var configuration = Configuration.Default.Clone();
        configuration.PreferContiguousImageBuffers = true;
        configuration.MemoryAllocator = MemoryAllocator.Create(
            new MemoryAllocatorOptions { MaximumPoolSizeMegabytes = 16, AllocationLimitMegabytes = 1024 }
        );
        var formats = configuration.ImageFormatsManager;
        formats.SetDecoder(
            SixLabors.ImageSharp.Formats.Png.PngFormat.Instance,
            new PngDecoder { IgnoreMetadata = true }
        );
        formats.SetDecoder(
            SixLabors.ImageSharp.Formats.Jpeg.JpegFormat.Instance,
            new SixLabors.ImageSharp.Formats.Jpeg.JpegDecoder { IgnoreMetadata = !metadata }
        );
        formats.SetDecoder(
            SixLabors.ImageSharp.Formats.Webp.WebpFormat.Instance,
            new SixLabors.ImageSharp.Formats.Webp.WebpDecoder { IgnoreMetadata = !metadata }
        );
        formats.SetDecoder(
            SixLabors.ImageSharp.Formats.Gif.GifFormat.Instance,
            new SixLabors.ImageSharp.Formats.Gif.GifDecoder
            {
                IgnoreMetadata = true,
                DecodingMode = SixLabors.ImageSharp.Metadata.FrameDecodingMode.First,
                MaxFrames = 1,
            }
        );
        formats.SetDecoder(
            SixLabors.ImageSharp.Formats.Tiff.TiffFormat.Instance,
            new SixLabors.ImageSharp.Formats.Tiff.TiffDecoder
            {
                IgnoreMetadata = !metadata,
                DecodingMode = SixLabors.ImageSharp.Metadata.FrameDecodingMode.First,
            }
        );
        return configuration;
    }

    /// <summary>Whether an exception out of a decoder means bad input. Every one does, whatever its type (the decoders
    /// also throw NullReference, IndexOutOfRange, InvalidOperation on hostile files), except running out of memory
    /// or being cancelled, which are the process's condition, not the file's.</summary>
    private static bool IsDecoderFailure(Exception e) =>
        e is not (OutOfMemoryException or OperationCanceledException or InvalidImageException);

    /// <summary>The extensions of the photo formats read (a folder's photos are the files with these).</summary>
    public static IReadOnlyList<string> PhotoExtensions { get; } =
    [".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".tga"];

    public static bool HasPhotoExtension(string path) =>
        PhotoExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads the header and checks the file against the limits and for completeness; decodes no
    /// pixels.</summary>
    public static ImageHeader Inspect(ReadOnlyMemory<byte> bytes, string name, ImageLimits? limits = null) =>
        Check(bytes, name, limits, walkJpeg: true);

    /// <summary><see cref="Inspect"/> before a decode: a JPEG that <see cref="JpegOnePass"/> reads is walked by its
    /// decode (<see cref="DecodeStored"/>), once.</summary>
    private static ImageHeader InspectForDecode(ReadOnlyMemory<byte> bytes, string name, ImageLimits? limits) =>
        Check(bytes, name, limits, walkJpeg: !JpegOnePass.Applies(bytes.Span));

    private static ImageHeader Check(ReadOnlyMemory<byte> bytes, string name, ImageLimits? limits, bool walkJpeg)
    {
        limits ??= ImageLimits.Default;
        if (bytes.IsEmpty)
            throw new InvalidImageException($"{name}: empty file.");
        if (bytes.Length > limits.MaxBytes)
            throw new InvalidImageException($"{name}: {bytes.Length} bytes exceeds the {limits.MaxBytes}-byte limit.");
        if (BmpIntegrity.HeaderProblem(bytes.Span, bytes.Length) is { } bmp)
            throw new InvalidImageException($"{name}: corrupt image data ({bmp}).");
        ImageHeader header;
        using (var stream = AsStream(bytes))
            header = Identify(stream, name, limits);
        string? problem;
        try
        {
            problem = (walkJpeg ? JpegIntegrity.Problem(bytes.Span) : null)
                ?? PngIntegrity.Problem(bytes)
                ?? BmpIntegrity.Problem(bytes.Span)
                ?? TiffIntegrity.Problem(bytes.Span)
                ?? WebpIntegrity.Problem(bytes.Span);
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            problem = $"its structure cannot be walked: {e.GetType().Name}";
        }
        if (problem is not null)
            throw new InvalidImageException($"{name}: corrupt image data ({problem}).");
        return header;
    }

    /// <summary>
    /// A file's header checked against the size limits, reading only as far as the header (no completeness check: that
    /// needs the whole file and comes with <see cref="Inspect"/> when the file is decoded). For planning, e.g. the
    /// training pool's layout, before any photo is decoded.
    /// </summary>
    public static ImageHeader ReadHeader(string path, ImageLimits? limits = null)
    {
        limits ??= ImageLimits.Default;
        string name = Path.GetFileName(path);
        long length = new FileInfo(path).Length;
        if (length == 0)
            throw new InvalidImageException($"{name}: empty file.");
        if (length > limits.MaxBytes)
            throw new InvalidImageException($"{name}: {length} bytes exceeds the {limits.MaxBytes}-byte limit.");
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[64];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (BmpIntegrity.HeaderProblem(head[..read], length) is { } bmp)
            throw new InvalidImageException($"{name}: corrupt image data ({bmp}).");
        stream.Position = 0;
        return Identify(stream, name, limits);
    }

    /// <summary>The header (size, format, orientation) from ImageSharp's Identify, refused above the limits.</summary>
    private static ImageHeader Identify(Stream stream, string name, ImageLimits limits)
    {
        IImageInfo? info;
        SixLabors.ImageSharp.Formats.IImageFormat? format;
        int orientation;
        try
        {
            info = Image.Identify(Identifying, stream, out format);
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw new InvalidImageException($"{name}: corrupt image data ({e.Message}).", e);
        }
        try
        {
            orientation = info is null ? 1 : OrientationOf(info); // the EXIF profile is parsed here, lazily
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            // e.g. IFD offsets that point back into earlier IFDs: ImageSharp's reader throws "Collection was modified".
            throw new InvalidImageException(
                $"{name}: corrupt image data (its EXIF metadata cannot be read: {e.Message}).",
                e
            );
        }
        if (info is null || format is null)
            throw new InvalidImageException($"{name}: not a recognised image format.");
        if (info.Width <= 0 || info.Height <= 0)
            throw new InvalidImageException($"{name}: corrupt image data (size {info.Width}x{info.Height}).");
        if (limits.Refusal(info.Width, info.Height) is { } refusal)
            throw new InvalidImageException($"{name}: {refusal}.");
        return new ImageHeader(info.Width, info.Height, format.Name, orientation);
    }

    public static ColorImage Load(string path, ImageLimits? limits = null) =>
        Decode(ReadFile(path, limits), Path.GetFileName(path), limits);

    public static ColorImage Load(Stream stream, string name = "image", ImageLimits? limits = null) =>
        Decode(ReadLimited(stream, name, limits), name, limits);

    /// <summary>A file's bytes, refused before reading when it is larger than the limit.</summary>
    public static byte[] ReadFile(string path, ImageLimits? limits = null)
    {
        limits ??= ImageLimits.Default;
        long length = new FileInfo(path).Length;
        if (length > limits.MaxBytes)
            throw new InvalidImageException(
                $"{Path.GetFileName(path)}: {length} bytes exceeds the {limits.MaxBytes}-byte limit."
            );
        return File.ReadAllBytes(path);
    }

    /// <summary>Reads a stream up to the byte limit: a longer stream is refused without being read to its
    /// end.</summary>
    public static byte[] ReadLimited(Stream stream, string name, ImageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        limits ??= ImageLimits.Default;
        if (stream.CanSeek && stream.Length - stream.Position > limits.MaxBytes)
            throw new InvalidImageException(
                $"{name}: {stream.Length - stream.Position} bytes exceeds the {limits.MaxBytes}-byte limit."
            );
        // A stream of known length is read into an array of that length, handed back without a copy; another grows.
        long known = stream.CanSeek ? stream.Length - stream.Position : 0;
        using var copy = new MemoryStream(known <= Array.MaxLength ? (int)known : 0);
        var buffer = new byte[81920];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            if (copy.Length + n > limits.MaxBytes)
                throw new InvalidImageException($"{name}: more than the {limits.MaxBytes}-byte limit.");
            copy.Write(buffer, 0, n);
        }
        return copy.Length == copy.Capacity ? copy.GetBuffer() : copy.ToArray();
    }

    /// <summary>The whole image, upright, as planar floats (12 bytes per pixel: for the CLI's full-resolution
    /// features).</summary>
    public static ColorImage Decode(
        ReadOnlyMemory<byte> bytes,
        string name = "image",
        ImageLimits? limits = null,
        DecodeMemory? memory = null
    )
    {
        var header = InspectForDecode(bytes, name, limits);
        using var lease = memory?.Reserve(DecodeMemory.Estimate(header));
        using var image = DecodeUpright(bytes, name, header);
        return Rgb24Pixels.ToColorImage(image);
    }

    /// <summary>The rgb2gray image of a file, upright, at full resolution (3 + 4 bytes per pixel, no float colour
    /// image).</summary>
    public static GrayImage LoadGray(string path, ImageLimits? limits = null)
    {
        using var image = DecodeRgb24(ReadFile(path, limits), Path.GetFileName(path), limits);
        var gray = new GrayImage(image.Width, image.Height);
        float[] r = new float[image.Width],
            g = new float[image.Width],
            b = new float[image.Width];
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Rgb24Pixels.Unpack(rows.GetRowSpan(y), r, g, b);
                Grayscale.Fill(r, g, b, gray.Pixels.AsSpan(y * rows.Width, rows.Width));
            }
        });
        return gray;
    }

    /// <summary>Decodes to 8-bit RGB, upright, after <see cref="Inspect"/> (for code that keeps bytes, not
    /// floats).</summary>
    public static Image<Rgb24> DecodeRgb24(
        ReadOnlyMemory<byte> bytes,
        string name = "image",
        ImageLimits? limits = null
    )
    {
        var header = InspectForDecode(bytes, name, limits);
        return DecodeUpright(bytes, name, header);
    }

    private static Image<Rgb24> DecodeUpright(ReadOnlyMemory<byte> bytes, string name, ImageHeader header)
    {
        var image = DecodeStored(bytes, name);
        if (header.Orientation is >= 2 and <= 8)
        {
            // AutoOrient reads the image's own EXIF, which the one-pass JPEG decode does not carry: the header's.
            image.Metadata.ExifProfile ??= new ExifProfile();
            image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)header.Orientation);
            image.Mutate(c => c.AutoOrient());
        }
        return image;
    }

    /// <summary>
    /// The decoder's view of a photograph: its centred largest square (of the upright image), resized by the
    /// <see cref="TentResampler"/> to <paramref name="size"/> — as the decoders' test crops are made — read straight
    /// from the decoded 8-bit pixels: 3 bytes per photo pixel, no full-resolution float image.
    /// </summary>
    public static (ColorImage View, ImageHeader Header) DecodeView(
        ReadOnlyMemory<byte> bytes,
        string name,
        int size,
        ImageLimits? limits = null,
        DecodeMemory? memory = null
    )
    {
        var (views, header) = DecodeViews(bytes, name, [size], limits, memory);
        return (views[size], header);
    }

    /// <summary>Views at several sizes from one decode (see <see cref="DecodeView"/>).</summary>
    public static (Dictionary<int, ColorImage> Views, ImageHeader Header) DecodeViews(
        ReadOnlyMemory<byte> bytes,
        string name,
        IReadOnlyCollection<int> sizes,
        ImageLimits? limits = null,
        DecodeMemory? memory = null
    )
    {
        var upload = DecodeUpload(bytes, name, sizes, thumbnailSide: 0, limits, memory: memory);
        return (upload.Views, upload.Header);
    }

    /// <summary>An upload's views (<see cref="DecodeViews"/>) and, with <paramref name="thumbnailSide"/> &gt; 0, a JPEG
    /// thumbnail of the whole upright image at most that many pixels on its longer side, with
    /// <paramref name="signature"/> its re-identification signature (<see cref="ImageSignature.SourceSide"/>), and the
    /// whole upright image at each of <paramref name="wholeShortSides"/> (its short side that many pixels, never
    /// enlarged), from the same decode.</summary>
    public static DecodedUpload DecodeUpload(
        ReadOnlyMemory<byte> bytes,
        string name,
        IReadOnlyCollection<int> sizes,
        int thumbnailSide,
        ImageLimits? limits = null,
        IReadOnlyCollection<int>? wholeShortSides = null,
        bool signature = false,
        DecodeMemory? memory = null
    )
    {
        var header = InspectForDecode(bytes, name, limits);
        using var lease = memory?.Reserve(DecodeMemory.Estimate(header)); // held while full-resolution pixels live
        using var image = DecodeStored(bytes, name);
        // The photo small and upright once when both are asked for: the signature's source is the thumbnail's size.
        var small = signature ? Fit(image, header, ImageSignature.SourceSide) : null;
        byte[]? thumbnail =
            thumbnailSide <= 0 ? null
            : thumbnailSide == ImageSignature.SourceSide && small is not null ? Jpeg(small)
            : Jpeg(Fit(image, header, thumbnailSide));
        var wholes = new Dictionary<int, ColorImage>();
        foreach (int shortSide in (wholeShortSides ?? []).Distinct())
        {
            double scale = Math.Min(1.0, shortSide / (double)Math.Min(header.Width, header.Height));
            wholes[shortSide] = Upright(
                image,
                header,
                Math.Max(1, (int)Math.Round(image.Width * scale)),
                Math.Max(1, (int)Math.Round(image.Height * scale))
            );
        }
        int side = Math.Min(header.Width, header.Height);
        int dx0 = (header.Width - side) / 2,
            dy0 = (header.Height - side) / 2;
        // The displayed square's corners in stored pixels: the same square, flipped or turned.
        var (ax, ay) = ExifOrientation.StoredOf(header.Orientation, dx0, dy0, header.StoredWidth, header.StoredHeight);
        var (bx, by) = ExifOrientation.StoredOf(
            header.Orientation,
            dx0 + side - 1,
            dy0 + side - 1,
            header.StoredWidth,
            header.StoredHeight
        );
        var views = new Dictionary<int, ColorImage>();
        WithPixels(image, pixels =>
        {
            foreach (int size in sizes.Distinct())
                views[size] = ExifOrientation.Apply(
                    RenderSquare(pixels, image.Width, Math.Min(ax, bx), Math.Min(ay, by), side, size),
                    header.Orientation
                );
        });
        return new DecodedUpload(views, header, thumbnail, wholes, small is null ? null : ImageSignature.Encode(small));
    }

    /// <summary>The whole image upright at exactly <paramref name="width"/> × <paramref name="height"/> (an original
    /// brought to the size of a reconstruction) and its re-identification signature as <see cref="DecodeUpload"/> makes
    /// it (the same for the same bytes wherever it is computed), from one decode checked against the limits
    /// first.</summary>
    public static (ColorImage Image, string Signature) DecodeResized(
        ReadOnlyMemory<byte> bytes,
        string name,
        int width,
        int height,
        ImageLimits? limits = null,
        DecodeMemory? memory = null
    )
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"Target size must be positive, got {width}x{height}.");
        var header = InspectForDecode(bytes, name, limits);
        using var lease = memory?.Reserve(DecodeMemory.Estimate(header));
        using var image = DecodeStored(bytes, name);
        bool turned = header.Orientation is >= 5 and <= 8; // stored with width and height swapped
        return (
            Upright(image, header, turned ? height : width, turned ? width : height),
            ImageSignature.Encode(Fit(image, header, ImageSignature.SourceSide))
        );
    }

    /// <summary>The stored image resized to <paramref name="storedWidth"/> × <paramref name="storedHeight"/> by the
    /// triangle filter (no full-size copy), then turned upright.</summary>
    private static ColorImage Upright(Image<Rgb24> image, ImageHeader header, int storedWidth, int storedHeight)
    {
        using var small = image.Clone(c => c.Resize(storedWidth, storedHeight, KnownResamplers.Triangle));
        return ExifOrientation.Apply(Rgb24Pixels.ToColorImage(small), header.Orientation);
    }

    /// <summary>The whole image upright, at most <paramref name="side"/> pixels on its longer side: resized straight
    /// from the stored pixels (ImageSharp's resize makes the small image without a full-size copy), then turned;
    /// never enlarged.</summary>
    private static ColorImage Fit(Image<Rgb24> image, ImageHeader header, int side)
    {
        double scale = Math.Min(1.0, side / (double)Math.Max(image.Width, image.Height));
        return Upright(
            image,
            header,
            Math.Max(1, (int)Math.Round(image.Width * scale)),
            Math.Max(1, (int)Math.Round(image.Height * scale))
        );
    }

    /// <summary>A thumbnail's JPEG: pixels only, nothing of the upload's metadata (GPS, camera).</summary>
    private static byte[] Jpeg(ColorImage small)
    {
        using var rgb = Rgb24Pixels.ToImage(small);
        using var stream = new MemoryStream();
        rgb.SaveAsJpeg(stream, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 85 });
        return stream.ToArray();
    }

    /// <summary>The decoder's view of an image already in memory: its centred square through the same
    /// resampler.</summary>
    public static ColorImage CenterSquare(ColorImage photo, int size)
    {
        int side = Math.Min(photo.Width, photo.Height);
        using var rgb = Rgb24Pixels.ToImage(photo);
        ColorImage? view = null;
        WithPixels(rgb, pixels =>
            view = RenderSquare(pixels, rgb.Width, (photo.Width - side) / 2, (photo.Height - side) / 2, side, size)
        );
        return view!;
    }

    private delegate void PixelAction(ReadOnlySpan<byte> pixels);

    /// <summary>An image's pixels as one span of R, G, B bytes: its own buffer when contiguous (the decoding
    /// configuration asks for that), else a copy.</summary>
    private static void WithPixels(Image<Rgb24> image, PixelAction action)
    {
        if (image.DangerousTryGetSinglePixelMemory(out var memory))
        {
            action(MemoryMarshal.AsBytes(memory.Span));
            return;
        }
        var copy = new byte[3L * image.Width * image.Height];
        image.CopyPixelDataTo(copy);
        action(copy);
    }

    /// <summary>The square (x, y, side) of an image <paramref name="stride"/> pixels wide, resized to size × size by
    /// the <see cref="TentResampler"/>.</summary>
    private static ColorImage RenderSquare(ReadOnlySpan<byte> pixels, int stride, int x, int y, int side, int size)
    {
        var view = new ColorImage(size, size);
        new TentResampler(size).Render(pixels, stride, x, y, side, false, view.Planes);
        return view;
    }

    private static Image<Rgb24> DecodeStored(ReadOnlyMemory<byte> bytes, string name)
    {
        if (PngIntegrity.Repacked(bytes) is { } packed)
            bytes = packed; // legal data split into tiny IDATs, which ImageSharp fails on
        try
        {
            if (JpegOnePass.Applies(bytes.Span))
            {
                var (image, problem) = JpegOnePass.Decode(bytes.Span, Decoding);
                if (problem is not null)
                    throw new InvalidImageException($"{name}: corrupt image data ({problem}).");
                if (image is not null)
                    return image;
            }
            using var stream = AsStream(bytes);
            return Image.Load<Rgb24>(Decoding, stream);
        }
        catch (UnknownImageFormatException e)
        {
            throw new InvalidImageException($"{name}: not a recognised image format.", e);
        }
        catch (NotSupportedException e)
        {
            throw new InvalidImageException($"{name}: unsupported image ({e.Message}).", e);
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw new InvalidImageException($"{name}: corrupt image data ({e.Message}).", e);
        }
    }

    private static int OrientationOf(IImageInfo info)
    {
        var value = info.Metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value ?? 1;
        return value is >= 1 and <= 8 ? value : 1;
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);

    public static void SavePng(ColorImage image, string path)
    {
        using var stream = File.Create(path);
        SavePng(image, stream);
    }

    public static void SavePng(ColorImage image, Stream stream) => SavePng(image, stream, new PngEncoder());

    private static void SavePng(ColorImage image, Stream stream, PngEncoder encoder)
    {
        using var rgb = Rgb24Pixels.ToImage(image);
        rgb.Save(stream, encoder);
    }

    /// <summary>Blobs are written by the thousand and read once: deflate's fastest level (the default level's match
    /// search was a tenth of the pipeline's CPU time; docs/benchmarks.md).</summary>
    private static readonly PngEncoder BlobPng = new() { CompressionLevel = PngCompressionLevel.BestSpeed };

    /// <summary>The image as PNG file bytes (for blobs).</summary>
    public static byte[] EncodePng(ColorImage image)
    {
        using var stream = new MemoryStream();
        SavePng(image, stream, BlobPng);
        return stream.ToArray();
    }

    /// <summary>Writes a grayscale image, clamping to [0, 1].</summary>
    public static void SavePng(GrayImage image, string path)
    {
        var planes = new float[3 * image.Pixels.Length];
        for (int c = 0; c < 3; c++)
            image.Pixels.CopyTo(planes, c * image.Pixels.Length);
        SavePng(new ColorImage(image.Width, image.Height, planes), path);
    }

    /// <summary>Bilinear (triangle filter) resize, as used for evaluation upsampling.</summary>
    public static ColorImage Resize(ColorImage image, int width, int height)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"Target size must be positive, got {width}x{height}.");
        using var rgb = Rgb24Pixels.ToImage(image);
        rgb.Mutate(c => c.Resize(width, height, KnownResamplers.Triangle));
        return Rgb24Pixels.ToColorImage(rgb);
    }
}
