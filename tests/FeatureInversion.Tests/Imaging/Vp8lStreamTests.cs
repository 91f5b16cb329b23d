using FeatureInversion.Imaging.Integrity;
using FeatureInversion.Tests.Reliability;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace FeatureInversion.Tests.Imaging;

/// <summary>The VP8L reader against a real encoder, and the lossless WebP that costs gigabytes in 50 bytes.</summary>
[Trait(Tiers.Name, Tiers.Slow)]
public class Vp8lStreamTests
{
    public static TheoryData<string> Sources =>
        new()
        {
            "gradient",
            "four-colours",
            "noise",
            "alpha",
            "astronaut-300x300.jpg",
            "chelsea-451x300.jpg",
            "coffee-480x320.jpg",
        };

    /// <summary>Read to the end of the pixels, the reader must stop in the stream's last byte: any mistake in the
    /// prefix codes, backward references, colour cache or transforms throws or ends elsewhere.</summary>
    [Theory, MemberData(nameof(Sources))]
    public void ReadingAnEncodedImageToItsLastPixelEndsInItsLastByte(string source)
    {
        using var image = Source(source);
        foreach (
            var method in new[]
            {
                WebpEncodingMethod.Fastest,
                WebpEncodingMethod.Default,
                WebpEncodingMethod.BestQuality,
            }
        )
        {
            using var stream = new MemoryStream();
            image.Save(stream, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless, Method = method });
            var payload = Vp8lPayload(stream.ToArray());
            var shape = Vp8lStream.Walk(payload, wholeImage: true, out long bits);
            Assert.Equal((image.Width, image.Height), (shape.Width, shape.Height));
            Assert.InRange(bits, 8L * (payload.Length - 1) + 1, 8L * payload.Length);
            Assert.Equal(shape, Vp8lStream.Read(payload));
            Assert.Null(WebpIntegrity.Problem(stream.ToArray()));
        }
    }

    [Fact]
    public void ALegalFileWithTheMostGroupsIsRefusedBeforeTheDecoderAllocatesTheirTables()
    {
        var bomb = Vp8lWriter.ManyGroups(65536);
        var shape = Vp8lStream.Walk(Vp8lPayload(bomb), wholeImage: true, out _); // legal to its last pixel
        Assert.Equal(65536, shape.Groups);
        Assert.True(shape.DecoderTableBytes > 3_000_000_000);
        var e = Assert.Throws<InvalidImageException>(() => ImageFiles.Inspect(bomb, "bomb.webp"));
        Assert.Contains("65536 prefix-code groups", e.Message);

        // The fuzzing find: 50 bytes, the same trick, its stream broken before the entropy image ends (ImageSharp
        // allocated 1.7 GB before it noticed).
        var found = File.ReadAllBytes(
            Path.Combine(TestData.Root, "tests", "FeatureInversion.Fuzz", "findings", "image-allocates-1.7GB.bin")
        );
        Assert.Contains(
            "WebP lossless image: ",
            Assert.Throws<InvalidImageException>(() => ImageFiles.Inspect(found, "found.webp")).Message
        );
    }

    /// <summary>A lossy WebP's alpha channel may be a lossless stream too ('ALPH', compression 1), with the same
    /// cost.</summary>
    [Fact]
    public void ALosslessAlphaChannelIsReadAndRefusedTheSameWay()
    {
        using var image = Source("alpha");
        using var stream = new MemoryStream();
        image.Save(stream, new WebpEncoder { FileFormat = WebpFileFormatType.Lossy, UseAlphaCompression = true });
        var file = stream.ToArray();
        int alph = Chunk(file, "ALPH");
        Assert.Equal(1, file[alph + 8] & 3); // lossless
        Assert.Null(WebpIntegrity.Problem(file));

        // The same file, its alpha stream replaced by one that names 65536 groups.
        byte[] bomb = [0x01, .. Vp8lWriter.ManyGroupsStream(65536, image.Width, image.Height, header: false)];
        int size = BitConverter.ToInt32(file, alph + 4);
        var rest = file[(alph + 8 + size + (size & 1))..];
        var forged = new List<byte>(file[..alph]);
        forged.AddRange("ALPH"u8.ToArray());
        forged.AddRange(BitConverter.GetBytes(bomb.Length));
        forged.AddRange(bomb);
        if ((bomb.Length & 1) != 0)
            forged.Add(0);
        forged.AddRange(rest);
        var bytes = forged.ToArray();
        BitConverter.GetBytes(bytes.Length - 8).CopyTo(bytes, 4);
        Assert.Contains(
            "WebP lossless alpha channel of 427x285 declares 65536 prefix-code groups",
            WebpIntegrity.Problem(bytes)
        );
    }

    [Fact]
    public void AFileWithManyGroupsWithinTheBudgetDecodes()
    {
        var file = Vp8lWriter.ManyGroups(2600); // libwebp's encoder's most
        Assert.Null(WebpIntegrity.Problem(file));
        var image = ImageFiles.Decode(file, "groups.webp");
        Assert.Equal((16, 12), (image.Width, image.Height));
    }

    [Fact]
    public void ALosslessChunkPastAShortRiffSizeIsCheckedAsTheDecoderReadsIt()
    {
        // Found by the image fuzzer (CI, 2026-12-06): RIFF size 10, then a 30-byte 'VP8L' chunk the decoder reads
        // anyway; ImageSharp allocated 1.1 GB before it gave up on it. The walker stopped at the RIFF size.
        byte[] file = Convert.FromHexString("524946460a000000574542505650384c1e0000002f29c00200d68c5e35792006ea2e");
        // (its VP8L chunk also claims more bytes than the file has)
        Assert.Equal("WebP truncated: chunk 'VP8L' runs past the end of the file", WebpIntegrity.Problem(file));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidImageException>(() =>
            ImageFiles.DecodeViews(file, "short-riff.webp", [64], new ImageLimits())
        );
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16L << 20);
    }

    [Fact]
    public void MalformedStreamsAreRefusedWithWhatIsWrong()
    {
        var ok = Vp8lPayload(Vp8lWriter.ManyGroups(3));
        Assert.Contains("data ends early", Problem(ok[..8])); // inside the entropy image
        var badSignature = ok.ToArray();
        badSignature[0] = 0x2E;
        Assert.Contains("signature", Problem(badSignature));
        var twice = new Vp8lWriter()
            .Bits(0x2F, 8)
            .Bits(15, 14)
            .Bits(11, 14)
            .Bits(0, 1)
            .Bits(0, 3)
            .Bits(1, 1)
            .Bits(2, 2)
            .Bits(1, 1)
            .Bits(2, 2)
            .ToArray(); // subtract-green twice
        Assert.Contains("occurs twice", Problem(twice));
        var cache = new Vp8lWriter()
            .Bits(0x2F, 8)
            .Bits(15, 14)
            .Bits(11, 14)
            .Bits(0, 1)
            .Bits(0, 3)
            .Bits(0, 1)
            .Bits(1, 1)
            .Bits(12, 4)
            .ToArray();
        Assert.Contains("colour cache of 12 bits", Problem(cache));

        static string? Problem(byte[] payload) => WebpIntegrity.Problem(Vp8lWriter.Riff(payload));
    }

    private static Image Source(string source)
    {
        switch (source)
        {
            case "gradient":
                return HostileCorpus.Gradient(200, 150);
            case "four-colours":
            {
                var image = new Image<Rgb24>(97, 61);
                Rgb24[] colours = [new(255, 0, 0), new(0, 255, 0), new(0, 0, 255), new(9, 9, 9)];
                for (int y = 0; y < image.Height; y++)
                for (int x = 0; x < image.Width; x++)
                    image[x, y] = colours[(x / 7 + y / 5) % 4];
                return image;
            }
            case "noise":
            {
                var random = new Random(5);
                var image = new Image<Rgb24>(130, 90);
                for (int y = 0; y < image.Height; y++)
                for (int x = 0; x < image.Width; x++)
                    image[x, y] = new((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                return image;
            }
            case "alpha":
            {
                var image = Image.Load<Rgba32>(Path.Combine(TestData.PhotosDirectory, "rocket-427x285.jpg"));
                for (int y = 0; y < image.Height; y++)
                for (int x = 0; x < image.Width; x++)
                    if ((x + y) % 3 == 0)
                        image[x, y] = new(0, 0, 0, (byte)x);
                return image;
            }
            default:
                return Image.Load<Rgb24>(Path.Combine(TestData.PhotosDirectory, source));
        }
    }

    /// <summary>The payload of the first 'VP8L' chunk of a WebP file.</summary>
    private static byte[] Vp8lPayload(byte[] file)
    {
        int at = Chunk(file, "VP8L");
        return file[(at + 8)..(at + 8 + BitConverter.ToInt32(file, at + 4))];
    }

    /// <summary>Where a top-level chunk of a WebP file starts.</summary>
    private static int Chunk(byte[] file, string fourCc)
    {
        for (int pos = 12; pos + 8 <= file.Length; )
        {
            int size = BitConverter.ToInt32(file, pos + 4);
            if (file.AsSpan(pos, 4).SequenceEqual(System.Text.Encoding.ASCII.GetBytes(fourCc)))
                return pos;
            pos += 8 + size + (size & 1);
        }
        throw new InvalidDataException($"no {fourCc} chunk");
    }
}
