using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace FeatureInversion.Tests.Reliability;

/// <summary>One generated input and what must become of it: accepted, or refused with a message containing <see
/// cref="Refusal"/>.</summary>
public sealed record HostileInput(string Name, byte[] Bytes, string? Refusal)
{
    public bool Accepted => Refusal is null;

    public override string ToString() => Name;
}

/// <summary>
/// The fault-injection corpus, generated (no binaries committed): decompression bombs whose headers declare
/// 30000 × 30000 in a few dozen bytes, a legal 16384² PNG, images over and under the size limits, PNGs and JPEGs
/// (baseline and progressive) cut short with and without their end markers, images smaller than a feature cell,
/// non-images, an EXIF-rotated photo, and .npy files with every kind of broken header.
/// </summary>
public static class HostileCorpus
{
    private static readonly byte[] Photo = File.ReadAllBytes(
        Path.Combine(TestData.PhotosDirectory, "coffee-480x320.jpg")
    );

    public static IReadOnlyList<HostileInput> Images()
    {
        var png = Png(Gradient(256, 192));
        var jpeg = Photo;
        var list = new List<HostileInput>
        {
            new("bomb-30000.png", PngHeaderOnly(30000, 30000), "30000x30000"),
            new("bomb-30000.bmp", BmpHeaderOnly(30000, 30000), "30000x30000"),
            new("bomb-30000.gif", GifHeaderOnly(30000, 30000), "30000x30000"),
            new("bomb-20000-strip.png", PngHeaderOnly(20000, 1), "side limit"),
            new("bomb-65535x65535.jpg", JpegHeaderOnly(65535, 65535), "65535x65535"),
            new("legal-16384.png", ZeroPng(16384, 16384), "megapixel"),
            new("large-12000x9000.jpg", JpegHeaderOnly(12000, 9000), "megapixel"),
            new("huge-file.jpg", [.. jpeg, .. new byte[51 * 1024 * 1024]], "byte limit"),
            new("accepted-6000x6000.png", ZeroPng(6000, 6000), null),
            new("accepted-6400x4800.jpg", Jpeg(Gradient(6400, 4800)), null),
            new("png-cut-25.png", png[..(png.Length / 4)], "truncated"),
            new("png-cut-50.png", png[..(png.Length / 2)], "truncated"),
            new("png-cut-75.png", png[..(png.Length * 3 / 4)], "truncated"),
            new("png-no-iend.png", png[..^12], "no IEND"),
            new("png-cut-50-iend.png", [.. png[..(png.Length / 2)], .. Chunk("IEND", [])], "truncated"),
            new("png-signature-only.png", png[..8], "corrupt"),
            new("jpeg-cut-25.jpg", jpeg[..(jpeg.Length / 4)], "truncated"),
            new("jpeg-cut-50.jpg", jpeg[..(jpeg.Length / 2)], "truncated"),
            new("jpeg-cut-90.jpg", jpeg[..(jpeg.Length * 9 / 10)], "truncated"),
            new("jpeg-cut-50-eoi.jpg", [.. jpeg[..(jpeg.Length / 2)], 0xFF, 0xD9], "truncated"),
            new("jpeg-cut-99-eoi.jpg", [.. jpeg[..(jpeg.Length - 200)], 0xFF, 0xD9], "truncated"),
            new("jpeg-headers-only.jpg", [.. jpeg[..Sos(jpeg)], 0xFF, 0xD9], "corrupt"),
            new("jpeg-soi-only.jpg", [0xFF, 0xD8], "not a recognised image format"),
            new("jpeg-soi-eoi.jpg", [0xFF, 0xD8, 0xFF, 0xD9], "not a recognised image format"),
            new("jpeg-garbage-after-soi.jpg", [0xFF, 0xD8, .. Random(2000, 1)], "corrupt"),
            new("gif-cut.gif", Gif(Gradient(64, 64))[..40], "corrupt"),
            new("bmp-cut.bmp", Bmp(Gradient(64, 64))[..2000], "BMP truncated"),
            new("tiny-1x1.png", Png(Gradient(1, 1)), "smaller than the minimum"),
            new("tiny-7x7.png", Png(Gradient(7, 7)), "smaller than the minimum"),
            new("strip-1x2000.png", Png(Gradient(1, 2000)), "smaller than the minimum"),
            new("strip-2000x1.png", Png(Gradient(2000, 1)), "smaller than the minimum"),
            new("tiny-15x15.png", Png(Gradient(15, 15)), "smaller than the minimum"),
            new("empty.jpg", [], "empty"),
            new("text.jpg", "hello, world\n"u8.ToArray(), "not a recognised image format"),
            new("page.html", "<html><script>alert(1)</script></html>"u8.ToArray(), "not a recognised image format"),
            new("random.png", Random(4096, 2), "not a recognised image format"),
            new("zip.jpg", [0x50, 0x4B, 0x03, 0x04, .. Random(500, 3)], "not a recognised image format"),
            new("pdf.jpg", "%PDF-1.4\n%\u00e2\u00e3\n1 0 obj\n"u8.ToArray(), "not a recognised image format"),
            new("elf.png", [0x7F, (byte)'E', (byte)'L', (byte)'F', .. Random(300, 4)], "not a recognised image format"),
            new("png-magic-only.png", [0x89, (byte)'P', (byte)'N', (byte)'G'], "not a recognised image format"),
            new("gif-magic-only.gif", "GIF89a"u8.ToArray(), "corrupt"),
            new("bmp-magic-only.bmp", "BM"u8.ToArray(), "corrupt"),
            new("exif-rotated.jpg", Rotated(Gradient(96, 64), 6), null),
            // Round two (issue 29): decoders that threw outside the listed exception types, and small files that
            // decoded to gigabytes behind a header within the limits.
            new("exif-loop.jpg", ExifLoop(jpeg), "corrupt"),
            new("png-idat-1-byte-chunks.png", PngSplitIdat(png, 1), null),
            new("png-300k-empty-idats.png", PngEmptyIdats(png, 300_000), null),
            new("gif-100-frames-4000.gif", ManyFrameGif(4000, 4000, 100), null),
            new("png-ztxt-bomb.png", PngTextBomb(png, 300 << 20), null),
            // its directory is at the end
            new("tiff-cut-60.tif", Tiff(Gradient(96, 64))[..(Tiff(Gradient(96, 64)).Length * 6 / 10)], "corrupt"),
            new("tiff-header-only.tif", Tiff(Gradient(96, 64))[..8], "corrupt"),
            // only the first page is decoded
            new("tiff-second-page-16000.tif", TiffSecondPage(Tiff(Gradient(96, 64)), 16000), null),
            new("tiff-strip-past-end.tif", TiffStripPastEnd(Tiff(Gradient(96, 64))), "TIFF truncated"),
            new("ok.tif", Tiff(Gradient(96, 64)), null),
            new(
                "webp-lossless-cut-50.webp",
                Webp(Gradient(96, 64), lossless: true)[..(Webp(Gradient(96, 64), lossless: true).Length / 2)],
                "truncated"
            ),
            new(
                "webp-lossy-cut-50.webp",
                Webp(Gradient(96, 64), lossless: false)[..(Webp(Gradient(96, 64), lossless: false).Length / 2)],
                "truncated"
            ),
            new("ok-lossy.webp", Webp(Gradient(96, 64), lossless: false), null),
            new("ok-lossless.webp", Webp(Gradient(96, 64), lossless: true), null),
            new(
                "webp-lossless-65536-groups.webp",
                FeatureInversion.Tests.Imaging.Vp8lWriter.ManyGroups(65536),
                "65536 prefix-code groups"
            ), // legal; 3 GB of tables in ImageSharp
            new(
                "webp-lossless-2600-groups.webp",
                FeatureInversion.Tests.Imaging.Vp8lWriter.ManyGroups(2600, 32, 32),
                null
            ), // libwebp's encoder's most
            // ImageSharp refuses it first; the walk would too (one frame per file)
            new("jpeg-second-sof-65535.jpg", SecondFrame(jpeg), "corrupt"),
            new("bmp-rle8-ok.bmp", BmpRle8(64, 48, RleRows(64, 48)), null),
            new(
                "bmp-rle8-cut-60.bmp",
                BmpRle8(64, 48, RleRows(64, 48))[..(1078 + RleRows(64, 48).Length * 6 / 10)],
                "BMP RLE data truncated"
            ),
            new(
                "bmp-rle8-bomb-6000.bmp",
                BmpRle8(6000, 6000, [.. Enumerable.Repeat<byte[]>([0, 2, 255, 255], 4).SelectMany(x => x), 0, 1]),
                "the rest would decode black"
            ),
            new(
                "bmp-palette-200M.bmp",
                Patched(Bmp(Gradient(16, 12)), 46, 200_000_000),
                "palette of 200000000 colours"
            ), // ImageSharp's Identify allocated it
            new(
                "bmp-offset-2GB.bmp",
                Patched(Bmp(Gradient(16, 12)), 10, 2_000_000_000),
                "pixel data starts at byte 2000000000"
            ),
            new("ok-gradient.png", png, null),
            new("ok-photo.jpg", jpeg, null),
        };
        return list;
    }

    /// <summary>Malformed feature arrays for <c>reconstruct</c> (decoder input 31 × 8 × 8, HOG at 64 px).</summary>
    public static IReadOnlyList<HostileInput> NpyFiles()
    {
        static byte[] Npy(string header, byte[] data, int major = 1, int? declaredLength = null, int minor = 0)
        {
            var h = Encoding.UTF8.GetBytes(header + "\n");
            var prefix = new List<byte>
            {
                0x93,
                (byte)'N',
                (byte)'U',
                (byte)'M',
                (byte)'P',
                (byte)'Y',
                (byte)major,
                (byte)minor,
            };
            int length = declaredLength ?? h.Length;
            prefix.AddRange(major == 1 ? BitConverter.GetBytes((ushort)length) : BitConverter.GetBytes(length));
            return [.. prefix, .. h, .. data];
        }
        static byte[] Floats(int n, float value = 0.5f) =>
            [.. Enumerable.Repeat(value, n).SelectMany(BitConverter.GetBytes)];
        string Hdr(string shape, string descr = "<f4", string fortran = "False") =>
            $"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': ({shape}), }}";
        var good = Floats(31 * 8 * 8);
        var nan = good.ToArray();
        BitConverter.GetBytes(float.NaN).CopyTo(nan, 40);
        var inf = good.ToArray();
        BitConverter.GetBytes(float.PositiveInfinity).CopyTo(inf, 80);
        return
        [
            new("empty.npy", [], "ends before"),
            new("bad-magic.npy", "NOTNUMPY\u0001\u0000xxxxxxxx"u8.ToArray(), "not a .npy file"),
            new("version-9.npy", Npy(Hdr("31, 8, 8"), good, major: 9), "unsupported .npy version"),
            new("negative-header.npy", Npy(Hdr("31, 8, 8"), good, major: 2, declaredLength: -5), "header of"),
            new("huge-header.npy", Npy(Hdr("31, 8, 8"), good, major: 2, declaredLength: int.MaxValue), "header of"),
            new("header-past-end.npy", Npy(Hdr("31, 8, 8"), [], declaredLength: 60000), "ends before"),
            // float32 data under a float64 header
            new("float64-wrong-length.npy", Npy(Hdr("31, 8, 8", "<f8"), good), "data bytes"),
            new(
                "float64.npy",
                Npy(Hdr("31, 8, 8", "<f8"), [.. Enumerable.Repeat(0.5, 31 * 8 * 8).SelectMany(BitConverter.GetBytes)]),
                null
            ),
            new(
                "big-endian.npy",
                Npy(
                    Hdr("31, 8, 8", ">f4"),
                    [.. Enumerable.Repeat(new byte[] { 0x3F, 0, 0, 0 }, 31 * 8 * 8).SelectMany(b => b)]
                ),
                null
            ),
            new("int64.npy", Npy(Hdr("31, 8, 8", "<i8"), [.. good, .. good]), "is not supported"),
            new("fortran.npy", Npy(Hdr("31, 8, 8", fortran: "True"), good), "Fortran"),
            new("shape-2e9.npy", Npy(Hdr("2000000000,"), good), "values allowed"),
            new("shape-overflow.npy", Npy(Hdr("100000, 100000, 100000"), good), "values allowed"),
            new("shape-negative.npy", Npy(Hdr("-1, 8, 8"), good), "non-negative integers"),
            new("shape-fraction.npy", Npy(Hdr("1.5, 8, 8"), good), "non-negative integers"),
            new("shape-text.npy", Npy(Hdr("'a', 8, 8"), good), "non-negative integers"),
            new("shape-missing.npy", Npy("{'descr': '<f4', 'fortran_order': False, }", good), "no shape"),
            new("shape-4d.npy", Npy(Hdr("1, 31, 8, 8"), good), "expected C × H × W"),
            new("channels-mismatch.npy", Npy(Hdr("30, 8, 8"), Floats(30 * 8 * 8)), "decoder takes 31"),
            // any map size: the whole image it describes
            new("whole-image-9x8.npy", Npy(Hdr("31, 9, 8"), Floats(31 * 9 * 8)), null),
            new("keypoints-wrong-decoder.npy", Npy(Hdr("3, 132"), Floats(3 * 132, 1f)), "with a sift-grid decoder"),
            new("data-short.npy", Npy(Hdr("31, 8, 8"), good[..100]), "data bytes"),
            new("data-long.npy", Npy(Hdr("31, 8, 8"), [.. good, 1, 2, 3, 4]), "data bytes"),
            new("nan.npy", Npy(Hdr("31, 8, 8"), nan), "NaN"),
            new("inf.npy", Npy(Hdr("31, 8, 8"), inf), "infinite"),
            new("binary-header.npy", Npy("{'descr': '<f4', \u0001\u0002}", good), "not printable"),
            // Round two (issue 29): what numpy refuses is refused, what it reads is read the same way.
            new("fortran-as-string.npy", Npy(Hdr("31, 8, 8", fortran: "'False'"), good), "not a bool"),
            new("fortran-as-int.npy", Npy(Hdr("31, 8, 8", fortran: "0"), good), "not a bool"),
            new(
                "extra-key.npy",
                Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (31, 8, 8), 'x': 1, }", good),
                "keys numpy does not accept"
            ),
            new("version-1.1.npy", Npy(Hdr("31, 8, 8"), good, minor: 1), "unsupported .npy version 1.1"),
            new("shape-not-tuple.npy", Npy(Hdr("31"), good), "not a tuple"),
            new(
                "duplicate-shape-last-wins.npy",
                Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'shape': (31, 8, 8), }", good),
                null
            ),
            new("v3-utf8-comment.npy", Npy(Hdr("31, 8, 8") + "  # ünïcödé", good, major: 3), null),
            new("v2.npy", Npy(Hdr("31, 8, 8"), good, major: 2), null),
            new(
                "double-quotes.npy",
                Npy("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (31, 8, 8)}", good),
                null
            ),
            new("ok.npy", Npy(Hdr("31, 8, 8"), good), null),
        ];
    }

    // --- generators -------------------------------------------------------------------------------------------

    public static Image<Rgb24> Gradient(int w, int h)
    {
        var image = new Image<Rgb24>(w, h);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                    row[x] = new Rgb24(
                        (byte)(x * 255 / Math.Max(1, w - 1)),
                        (byte)(y * 255 / Math.Max(1, h - 1)),
                        (byte)((x ^ y) & 255)
                    );
            }
        });
        return image;
    }

    private static byte[] Encode(Image<Rgb24> image, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using (image)
        {
            using var stream = new MemoryStream();
            image.Save(stream, encoder);
            return stream.ToArray();
        }
    }

    public static byte[] Png(Image<Rgb24> image) => Encode(image, new PngEncoder());

    public static byte[] Jpeg(Image<Rgb24> image) => Encode(image, new JpegEncoder { Quality = 85 });

    private static byte[] Gif(Image<Rgb24> image) => Encode(image, new SixLabors.ImageSharp.Formats.Gif.GifEncoder());

    private static byte[] Tiff(Image<Rgb24> image) =>
        Encode(image, new SixLabors.ImageSharp.Formats.Tiff.TiffEncoder());

    private static byte[] Webp(Image<Rgb24> image, bool lossless) =>
        Encode(
            image,
            new SixLabors.ImageSharp.Formats.Webp.WebpEncoder
            {
                FileFormat = lossless
                    ? SixLabors.ImageSharp.Formats.Webp.WebpFileFormatType.Lossless
                    : SixLabors.ImageSharp.Formats.Webp.WebpFileFormatType.Lossy,
            }
        );

    /// <summary>A copy of <paramref name="file"/> with a little-endian uint32 written at <paramref
    /// name="at"/>.</summary>
    private static byte[] Patched(byte[] file, int at, uint value)
    {
        var copy = file.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(at), value);
        return copy;
    }

    private static byte[] Bmp(Image<Rgb24> image) => Encode(image, new SixLabors.ImageSharp.Formats.Bmp.BmpEncoder());

    /// <summary>A JPEG whose EXIF orientation says how to turn it upright.</summary>
    public static byte[] Rotated(Image<Rgb24> image, ushort orientation)
    {
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, orientation);
        return Jpeg(image);
    }

    private static byte[] Random(int n, int seed)
    {
        var bytes = new byte[n];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static int Sos(byte[] jpeg) => jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xDA]);

    private static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            c ^= b;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return c ^ 0xFFFFFFFF;
    }

    private static byte[] Ihdr(int w, int h, byte colourType = 2)
    {
        var d = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(d, (uint)w);
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(4), (uint)h);
        d[8] = 8;
        d[9] = colourType;
        return Chunk("IHDR", d);
    }

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A PNG that declares w × h and holds almost no data (the classic decompression bomb header).</summary>
    private static byte[] PngHeaderOnly(int w, int h) =>
        [
            .. PngSignature,
            .. Ihdr(w, h),
            .. Chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
            .. Chunk("IEND", []),
        ];

    /// <summary>A legal all-black grayscale PNG of w × h, its zlib stream written row by row (a few hundred KB for
    /// 16384²).</summary>
    public static byte[] ZeroPng(int w, int h)
    {
        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var row = new byte[w + 1];
            for (int y = 0; y < h; y++)
                z.Write(row);
        }
        return [.. PngSignature, .. Ihdr(w, h, colourType: 0), .. Chunk("IDAT", idat.ToArray()), .. Chunk("IEND", [])];
    }

    private static byte[] BmpHeaderOnly(int w, int h)
    {
        var b = new byte[154];
        b[0] = (byte)'B';
        b[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(2), b.Length);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(10), 138);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(14), 124); // BITMAPV5HEADER
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(18), w);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(22), h);
        BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(28), 24);
        return b;
    }

    private static byte[] GifHeaderOnly(int w, int h)
    {
        var b = new List<byte>("GIF89a"u8.ToArray());
        b.AddRange(BitConverter.GetBytes((ushort)w));
        b.AddRange(BitConverter.GetBytes((ushort)h));
        b.AddRange([0x80, 0, 0, 0, 0, 0, 255, 255, 255]); // 2-colour global table
        b.Add(0x2C);
        b.AddRange(new byte[4]);
        b.AddRange(BitConverter.GetBytes((ushort)w));
        b.AddRange(BitConverter.GetBytes((ushort)h));
        b.Add(0);
        b.AddRange([2, 2, 0x44, 0x01, 0, 0x3B]);
        return [.. b];
    }

    /// <summary>A JPEG with an EXIF APP1 whose IFD0 points back at itself, as its next IFD and as its EXIF
    /// IFD.</summary>
    private static byte[] ExifLoop(byte[] jpeg)
    {
        var tiff = new byte[8 + 2 + 2 * 12 + 4];
        "II"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), 2);
        void Entry(int at, ushort tag, ushort type, uint value)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), tag);
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at + 2), type);
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 4), 1);
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 8), value);
        }
        Entry(10, 0x0112, 3, 6); // Orientation = 6
        Entry(22, 0x8769, 4, 8); // EXIF IFD pointer -> IFD0
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(34), 8); // next IFD -> IFD0
        byte[] payload = [.. "Exif\0\0"u8, .. tiff];
        byte[] app1 = [0xFF, 0xE1, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2), .. payload];
        return [.. jpeg[..2], .. app1, .. jpeg[2..]];
    }

    /// <summary>The PNG's chunks with its image data re-cut into IDAT chunks of <paramref name="size"/> bytes (legal
    /// PNG).</summary>
    private static byte[] PngSplitIdat(byte[] png, int size)
    {
        var (before, data, after) = SplitAtIdat(png);
        var chunks = new List<byte>(before);
        for (int i = 0; i < data.Length; i += size)
            chunks.AddRange(Chunk("IDAT", data[i..Math.Min(data.Length, i + size)]));
        return [.. chunks, .. after];
    }

    /// <summary>The PNG with <paramref name="count"/> empty IDAT chunks before its data (legal: empty IDATs add
    /// nothing).</summary>
    private static byte[] PngEmptyIdats(byte[] png, int count)
    {
        var (before, data, after) = SplitAtIdat(png);
        var empty = Chunk("IDAT", []);
        var bytes = new List<byte>(before.Length + count * empty.Length + data.Length + 100);
        bytes.AddRange(before);
        for (int i = 0; i < count; i++)
            bytes.AddRange(empty);
        bytes.AddRange(Chunk("IDAT", data));
        return [.. bytes, .. after];
    }

    /// <summary>The PNG with a zTXt chunk that inflates to <paramref name="inflated"/> zero bytes (about
    /// 1000:1).</summary>
    private static byte[] PngTextBomb(byte[] png, int inflated)
    {
        using var z = new MemoryStream();
        using (var zlib = new ZLibStream(z, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (int written = 0; written < inflated; written += zeros.Length)
                zlib.Write(zeros);
        }
        byte[] text = [.. "Comment"u8, 0, 0, .. z.ToArray()];
        return [.. png[..33], .. Chunk("zTXt", text), .. png[33..]]; // after the signature and IHDR
    }

    /// <summary>A GIF whose w × h canvas (within the limits) has <paramref name="frames"/> one-pixel frames: a few KB
    /// on disk, one full canvas per frame when every frame is decoded.</summary>
    private static byte[] ManyFrameGif(int w, int h, int frames)
    {
        var b = new List<byte>("GIF89a"u8.ToArray());
        b.AddRange(BitConverter.GetBytes((ushort)w));
        b.AddRange(BitConverter.GetBytes((ushort)h));
        b.AddRange([0x80, 0, 0, 200, 120, 40, 255, 255, 255]); // 2-colour global table
        for (int f = 0; f < frames; f++)
        {
            b.AddRange([0x21, 0xF9, 4, 0, 10, 0, 0, 0]); // graphic control: 0.1 s
            b.Add(0x2C);
            b.AddRange(new byte[4]);
            b.AddRange(BitConverter.GetBytes((ushort)1));
            b.AddRange(BitConverter.GetBytes((ushort)1));
            b.Add(0);
            b.AddRange([2, 2, 0x44, 0x01, 0]); // LZW: clear, pixel 0, end
        }
        b.Add(0x3B);
        return [.. b];
    }

    /// <summary>The JPEG with a second baseline frame header declaring 65535 × 65535 right after its first.</summary>
    public static byte[] SecondFrame(byte[] jpeg)
    {
        int sof = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        if (sof < 0)
            sof = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC2]);
        int length = (jpeg[sof + 2] << 8) | jpeg[sof + 3];
        var second = jpeg[sof..(sof + 2 + length)];
        second[1] = 0xC0;
        second[5] = 0xFF;
        second[6] = 0xFF;
        second[7] = 0xFF;
        second[8] = 0xFF; // height, width 65535
        int after = sof + 2 + length;
        return [.. jpeg[..after], .. second, .. jpeg[after..]];
    }

    /// <summary>An 8-bit RLE BMP (BITMAPINFOHEADER, 256-entry gray palette) with the given RLE8 stream.</summary>
    private static byte[] BmpRle8(int w, int h, byte[] rle)
    {
        var b = new byte[14 + 40 + 1024];
        b[0] = (byte)'B';
        b[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(2), b.Length + rle.Length);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(10), b.Length);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(18), w);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(22), h);
        BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(28), 8);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(30), 1); // BI_RLE8
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(34), rle.Length);
        for (int i = 0; i < 256; i++)
        {
            b[54 + 4 * i] = (byte)i;
            b[55 + 4 * i] = (byte)i;
            b[56 + 4 * i] = (byte)i;
        }
        return [.. b, .. rle];
    }

    /// <summary>An RLE8 stream of h rows, each two runs (left half dark, right half by row), end-of-line codes,
    /// end-of-bitmap.</summary>
    private static byte[] RleRows(int w, int h)
    {
        var rle = new List<byte>();
        for (int y = 0; y < h; y++)
            rle.AddRange([(byte)(w / 2), 20, (byte)(w - w / 2), (byte)(4 * y), 0, 0]);
        rle.AddRange([0, 1]);
        return [.. rle];
    }

    /// <summary>The little-endian TIFF with a second page: a copy of its directory declaring side × side, linked after
    /// the first.</summary>
    private static byte[] TiffSecondPage(byte[] tiff, int side)
    {
        int ifd = (int)BinaryPrimitives.ReadUInt32LittleEndian(tiff.AsSpan(4));
        int entries = BinaryPrimitives.ReadUInt16LittleEndian(tiff.AsSpan(ifd));
        int length = 2 + 12 * entries + 4;
        int at = (tiff.Length + 1) & ~1; // directories start on a word boundary
        var b = new byte[at + length];
        tiff.CopyTo(b, 0);
        tiff.AsSpan(ifd, length).CopyTo(b.AsSpan(at));
        for (int e = 0; e < entries; e++)
        {
            int entry = at + 2 + 12 * e;
            int tag = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(entry));
            if (tag is not (256 or 257))
                continue; // ImageWidth, ImageLength
            if (BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(entry + 2)) == 3)
                BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(entry + 8), (ushort)side);
            else
                BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(entry + 8), (uint)side);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(ifd + 2 + 12 * entries), (uint)at); // first page -> second
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + length - 4), 0);
        return b;
    }

    /// <summary>A little-endian TIFF whose last strip is said to be 5000 bytes longer than the file holds (a strip cut
    /// off).</summary>
    private static byte[] TiffStripPastEnd(byte[] tiff)
    {
        var b = tiff.ToArray();
        int ifd = (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(4));
        int entries = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(ifd));
        for (int e = 0; e < entries; e++)
        {
            int at = ifd + 2 + 12 * e;
            if (BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at)) != 279)
                continue;
            int type = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at + 2)),
                size = type == 3 ? 2 : 4;
            int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at + 4));
            int values = size * count <= 4 ? at + 8 : (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at + 8));
            int last = values + size * (count - 1);
            if (size == 2)
                BinaryPrimitives.WriteUInt16LittleEndian(
                    b.AsSpan(last),
                    (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(last)) + 5000)
                );
            else
                BinaryPrimitives.WriteUInt32LittleEndian(
                    b.AsSpan(last),
                    BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(last)) + 5000
                );
            return b;
        }
        throw new InvalidOperationException("no StripByteCounts");
    }

    /// <summary>A PNG as (signature and chunks before the image data, the image data's bytes, the chunks
    /// after).</summary>
    private static (byte[] Before, byte[] Data, byte[] After) SplitAtIdat(byte[] png)
    {
        int pos = 8,
            first = -1,
            last = -1;
        var data = new List<byte>();
        while (pos + 12 <= png.Length)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            if (png.AsSpan(pos + 4, 4).SequenceEqual("IDAT"u8))
            {
                if (first < 0)
                    first = pos;
                data.AddRange(png.AsSpan(pos + 8, length).ToArray());
                last = pos + 12 + length;
            }
            pos += 12 + length;
        }
        return (png[..first], [.. data], png[last..]);
    }

    /// <summary>SOI, a baseline frame header declaring w × h with 3 components, EOI: no tables, no scan.</summary>
    private static byte[] JpegHeaderOnly(int w, int h) =>
        [
            0xFF,
            0xD8,
            0xFF,
            0xC0,
            0,
            17,
            8,
            (byte)(h >> 8),
            (byte)h,
            (byte)(w >> 8),
            (byte)w,
            3,
            1,
            0x22,
            0,
            2,
            0x11,
            1,
            3,
            0x11,
            1,
            0xFF,
            0xD9,
        ];
}
