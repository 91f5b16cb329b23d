using FeatureInversion.Imaging.Integrity;
using FeatureInversion.Imaging.Jpeg;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FeatureInversion.Tests.Imaging;

/// <summary>Runs where the one pass decodes (AVX2 CPUs: every CI and cloud host); elsewhere every JPEG goes to
/// ImageSharp as before and there is nothing to compare.</summary>
public sealed class OnePassFactAttribute : FactAttribute
{
    public OnePassFactAttribute()
    {
        if (!JpegPixels.Supported)
            Skip = "no AVX2: the one pass is not used on this CPU";
    }
}

/// <summary>
/// The one-pass JPEG decode (issue 28) against what it replaces, the completeness walk followed by ImageSharp's
/// decode: the same pixels, byte for byte, and the same verdicts, on files libjpeg and ImageSharp wrote and on those
/// files damaged after their first scan header.
/// </summary>
public class JpegOnePassTests
{
    /// <summary>The test photos, the libjpeg fixtures (progressive with refinement scans; restart markers) and
    /// ImageSharp's encodings of every subsampling it writes, gray and RGB, at sizes that are and are not whole
    /// MCUs.</summary>
    public static IEnumerable<(string Name, byte[] Bytes)> Jpegs()
    {
        foreach (var file in Directory.GetFiles(TestData.PhotosDirectory, "*.jpg").Order())
            yield return (Path.GetFileName(file), File.ReadAllBytes(file));
        foreach (var file in Directory.GetFiles(Path.Combine(TestData.Root, "tests", "data", "fixtures", "jpeg")))
            yield return (Path.GetFileName(file), File.ReadAllBytes(file));
        using var photo = Image.Load<Rgb24>(Path.Combine(TestData.PhotosDirectory, "chelsea-451x300.jpg"));
        var types = new[]
        {
            JpegColorType.YCbCrRatio420,
            JpegColorType.YCbCrRatio444,
            JpegColorType.YCbCrRatio422,
            JpegColorType.YCbCrRatio411,
            JpegColorType.YCbCrRatio410,
            JpegColorType.Luminance,
            JpegColorType.Rgb,
        };
        foreach (var (w, h) in new[] { (1, 1), (7, 5), (17, 9), (33, 31), (64, 48), (131, 67) })
        foreach (var type in types)
        foreach (int quality in new[] { 40, 97 })
        {
            using var small = photo.Clone(c => c.Resize(w, h));
            using var stream = new MemoryStream();
            small.SaveAsJpeg(stream, new JpegEncoder { ColorType = type, Quality = quality });
            yield return ($"{w}x{h} {type} q{quality}", stream.ToArray());
        }
    }

    [OnePassFact]
    public void ThePassDecodesEveryFixtureToImageSharpsOwnPixels()
    {
        int files = 0;
        foreach (var (name, bytes) in Jpegs())
        {
            // Whole-frame coefficients (every file), and the pass as ImageFiles runs it (a baseline photo's
            // coefficients one MCU row at a time).
            var (coefficients, problem, notDecoded) = JpegIntegrity.Decode(bytes);
            Assert.True(problem is null, $"{name}: {problem}");
            Assert.True(coefficients is not null, $"{name}: not decoded ({notDecoded})");
            using var whole = JpegPixels.ToImage(coefficients, Configuration.Default);
            var (streamed, refused) = JpegOnePass.Decode(bytes, Configuration.Default);
            Assert.True(refused is null && streamed is not null, $"{name}: {refused}");
            using (streamed)
            using (var theirs = Image.Load<Rgb24>(bytes))
            {
                var expected = Pixels(theirs);
                foreach (var (way, ours) in new[] { ("whole frame", whole), ("one pass", streamed) })
                {
                    var actual = Pixels(ours);
                    int same = actual.AsSpan().CommonPrefixLength(expected);
                    Assert.True(same == actual.Length, $"{name}, {way}: pixels differ from byte {same}");
                }
            }
            files++;
        }
        Assert.True(files > 80);
    }

    /// <summary>Damage after the first scan header — cuts (closed with an end-of-image marker or not), flipped bits,
    /// bytes replaced, inserted or deleted — read both ways: the walk's verdict and message, then ImageSharp's decode
    /// or its refusal, against the one pass. A file the pass decodes must be one the walk passed and ImageSharp
    /// decoded to the same pixels.</summary>
    [OnePassFact]
    public void DamagedFilesGetTheWalksVerdictAndImageSharpsPixels()
    {
        var random = new Random(28);
        int decoded = 0,
            refused = 0;
        foreach (var (name, original) in Jpegs().Where((_, i) => i % 6 == 0))
        {
            int data = FirstScanData(original);
            for (int trial = 0; trial < 60; trial++)
            {
                var damaged = Damage(original, data, random);
                string? walk = JpegIntegrity.Problem(damaged);
                var (image, problem) = JpegOnePass.Decode(damaged, Configuration.Default);
                using (image)
                {
                    Assert.True(walk == problem, $"{name} #{trial}: walk '{walk}', one pass '{problem}'");
                    if (problem is not null)
                    {
                        refused++;
                        continue;
                    }
                    if (image is null)
                        continue; // ImageSharp decodes it, as before
                    using var theirs = Image.Load<Rgb24>(damaged); // throws if ImageSharp refuses what the pass read
                    Assert.True(Pixels(image).AsSpan().SequenceEqual(Pixels(theirs)), $"{name} #{trial}: pixels");
                    decoded++;
                }
            }
        }
        Assert.True(decoded > 20 && refused > 20, $"{decoded} decoded, {refused} refused");
    }

    private static byte[] Damage(byte[] original, int from, Random random)
    {
        var bytes = original.ToList();
        int at = random.Next(from, original.Length);
        switch (random.Next(6))
        {
            case 0:
                return original[..at];
            case 1:
                return [.. original[..at], 0xFF, 0xD9];
            case 2:
                bytes[at] ^= (byte)(1 << random.Next(8));
                break;
            case 3:
                bytes[at] = (byte)random.Next(256);
                break;
            case 4:
                bytes.Insert(at, (byte)random.Next(256));
                break;
            default:
                bytes.RemoveAt(at);
                break;
        }
        return [.. bytes];
    }

    /// <summary>Where the first scan's entropy-coded data starts (after its SOS segment).</summary>
    private static int FirstScanData(byte[] jpeg)
    {
        int sos = Enumerable.Range(0, jpeg.Length - 1).First(i => jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA);
        return sos + 2 + (jpeg[sos + 2] << 8 | jpeg[sos + 3]);
    }

    private static byte[] Pixels(Image<Rgb24> image)
    {
        var bytes = new byte[3 * image.Width * image.Height];
        image.CopyPixelDataTo(bytes);
        return bytes;
    }
}
