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
