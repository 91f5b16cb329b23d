using FeatureInversion.Imaging.Integrity;
using FeatureInversion.Tests.Reliability;

namespace FeatureInversion.Tests.Imaging;

/// <summary>The integrity walks on their own, where ImageSharp's header read would refuse the file first.</summary>
public class IntegrityWalkTests
{
    [Fact]
    public void TheJpegWalkRefusesASecondFrameBeforeSizingAnythingFromIt()
    {
        var photo = File.ReadAllBytes(Path.Combine(TestData.PhotosDirectory, "coffee-480x320.jpg"));
        Assert.Null(JpegIntegrity.Problem(photo));
        Assert.Contains("second frame header", JpegIntegrity.Problem(HostileCorpus.SecondFrame(photo)));
    }

    /// <summary>
    /// Files libjpeg wrote (scripts/make-jpeg-fixtures.sh; ImageSharp writes neither kind): a progressive JPEG
    /// (DC, AC first and AC refinement scans) and a baseline one with restart markers pass whole, and a cut inside any
    /// of their scans is refused as truncated, closed with an end-of-image marker or not.
    /// </summary>
    [Theory]
    [InlineData("progressive-coffee.jpg", 10)]
    [InlineData("restart-coffee.jpg", 1)]
    public void EveryScanOfALibjpegFileCutShortIsRefused(string name, int scans)
    {
        var jpeg = File.ReadAllBytes(Path.Combine(TestData.Root, "tests", "data", "fixtures", "jpeg", name));
        Assert.Null(JpegIntegrity.Problem(jpeg));
        var starts = Enumerable
            .Range(0, jpeg.Length - 1)
            .Where(i => jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA)
            .Select(i => i + 2 + (jpeg[i + 2] << 8 | jpeg[i + 3])) // the scan's entropy-coded data
            .ToList();
        Assert.Equal(scans, starts.Count);
        var ends = starts.Select(start => FirstMarkerFrom(jpeg, start)).ToList();
        for (int s = 0; s < scans; s++)
        {
            foreach (double at in new[] { 0.1, 0.5, 0.9 })
            {
                int cut = starts[s] + (int)((ends[s] - starts[s]) * at);
                Assert.Contains("JPEG truncated", JpegIntegrity.Problem(jpeg.AsSpan(0, cut)));
                Assert.Contains("JPEG truncated", JpegIntegrity.Problem([.. jpeg[..cut], 0xFF, 0xD9]));
            }
        }
    }

    /// <summary>The first marker at or after <paramref name="from"/> that ends entropy-coded data (not a stuffed
    /// 0xFF00, fill byte or restart marker).</summary>
    private static int FirstMarkerFrom(byte[] jpeg, int from) =>
        Enumerable
            .Range(from, jpeg.Length - 1 - from)
            .First(i => jpeg[i] == 0xFF && jpeg[i + 1] is not (0x00 or 0xFF) and not (>= 0xD0 and <= 0xD7));

    /// <summary>The BMP header checks run before ImageSharp identifies the file, on the in-memory and on the
    /// file path (training photos are identified from their files): its Identify allocates the declared
    /// palette.</summary>
    [Fact]
    public void ABmpWhosePaletteOrPixelOffsetLiesBeyondTheFileIsRefusedBeforeItIsIdentified()
    {
        var found = File.ReadAllBytes(
            Path.Combine(
                TestData.Root,
                "tests",
                "FeatureInversion.Fuzz",
                "findings",
                "image-bmp-palette-allocates-1.8GB.bin"
            )
        );
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<FeatureInversion.Imaging.InvalidImageException>(() =>
            FeatureInversion.Imaging.ImageFiles.Inspect(found, "found.bmp")
        );
        Assert.True(
            GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20,
            "refused before anything large is allocated"
        );
        Assert.Contains("BMP", e.Message);
        string path = Path.Combine(Path.GetTempPath(), $"bmp-{Guid.NewGuid():N}.bmp");
        File.WriteAllBytes(path, found);
        try
        {
            Assert.Contains(
                "BMP",
                Assert
                    .Throws<FeatureInversion.Imaging.InvalidImageException>(() =>
                        FeatureInversion.Imaging.ImageFiles.ReadHeader(path)
                    )
                    .Message
            );
        }
        finally
        {
            File.Delete(path);
        }
    }
}
