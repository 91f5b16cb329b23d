using FeatureInversion.Features.Sift;

namespace FeatureInversion.Tests.Features.Sources;

/// <summary>Descriptors as if stored at fewer bits per value (the audit's defence curve).</summary>
public class DescriptorQuantizationTests
{
    [Fact]
    public void EightBitsIsTheStoredDescriptorAndOneBitKeepsTwoLevels()
    {
        var detector = new SiftDetector();
        var frames = detector.Detect(TestData.LoadGray("camera-256x256.jpg"));
        Assert.NotEmpty(frames);
        foreach (var f in frames.Take(50))
        {
            var eight = DescriptorConventions.Quantize(f.Descriptor, 8);
            // OpenCV's and Lowe's uint8 storage
            Assert.InRange(DescriptorFixtures.Cosine(f.Descriptor, eight), 0.999, 1.0001);
            Assert.Equal(1.0, Math.Sqrt(eight.Sum(v => (double)v * v)), 1e-5);
            var one = DescriptorConventions.Quantize(f.Descriptor, 1);
            // two levels (the middles of 0-127 and 128-255), rescaled together
            Assert.InRange(one.Select(v => Math.Round(v, 5)).Distinct().Count(), 1, 2);
            Assert.True(DescriptorFixtures.Cosine(f.Descriptor, one) < DescriptorFixtures.Cosine(f.Descriptor, eight));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => DescriptorConventions.Quantize(frames[0].Descriptor, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => DescriptorConventions.Quantize(frames[0].Descriptor, 9));
    }
}
