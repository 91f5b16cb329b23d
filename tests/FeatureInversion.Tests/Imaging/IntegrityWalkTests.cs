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
}
