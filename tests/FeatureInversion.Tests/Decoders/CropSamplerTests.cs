using FeatureInversion.Features;
using FeatureInversion.Training;

namespace FeatureInversion.Tests.Decoders;

public class CropSamplerTests
{
    [Fact]
    public void CropsAreSeededAndOfTheRequestedSize()
    {
        using var sampler = new CropSampler(TestData.PhotosDirectory);
        var a = sampler.Random(6, 64, seed: 4);
        var b = sampler.Random(6, 64, seed: 4);
        var c = sampler.Random(6, 64, seed: 5);
        Assert.All(a, i => Assert.Equal((64, 64), (i.Width, i.Height)));
        Assert.Equal(a.Select(i => i.Planes), b.Select(i => i.Planes));
        Assert.NotEqual(a.Select(i => i.Planes), c.Select(i => i.Planes));
        Assert.Equal(5 * 3, sampler.Evaluation(3, 64).Count);
    }

    [Fact]
    public void ChromaJitterKeepsLuminanceAndSoTheFeatures()
    {
        using var sampler = new CropSampler(TestData.PhotosDirectory);
        var crop = sampler.Evaluation(1, 64)[2]; // a colour photo
        var gray = crop.ToGray().Pixels.ToArray();
        var hogBefore = new HogExtractor().Extract(crop).Data;
        var jittered = new FeatureInversion.Imaging.ColorImage(64, 64, (float[])crop.Planes.Clone());
        CropSampler.JitterChroma(jittered, angle: 2.0, saturation: 0.8);

        Assert.NotEqual(crop.Planes, jittered.Planes);
        var after = jittered.ToGray().Pixels;
        int changed = gray.Zip(after).Count(p => Math.Abs(p.First - p.Second) > 2e-3f); // only where clamping bites
        Assert.True(changed < gray.Length / 20, $"{changed} of {gray.Length} pixels changed luminance");
        var hogAfter = new HogExtractor().Extract(jittered).Data;
        Assert.True(hogBefore.Zip(hogAfter).Average(p => Math.Abs(p.First - p.Second)) < 0.01);
    }

    /// <summary>Looks like many crops but holds one: the size check must come before any allocation.</summary>
    private sealed class ManyCrops(int count, FeatureInversion.Imaging.ColorImage one) : IReadOnlyList<FeatureInversion.Imaging.ColorImage>
    {
        public FeatureInversion.Imaging.ColorImage this[int index] => one;
        public int Count => count;
        public IEnumerator<FeatureInversion.Imaging.ColorImage> GetEnumerator() => Enumerable.Repeat(one, count).GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [Theory]
    [InlineData("sift-grid", 64, 70_000)]   // features: 70k x 133x16x16 values
    [InlineData("lbp", 128, 50_000)]        // target pixels: 50k x 3x128x128 bytes
    public void DatasetsLargerThanOneArrayAreRefusedWithTheLimit(string representation, int size, int count)
    {
        var crops = new ManyCrops(count, new FeatureInversion.Imaging.ColorImage(size, size));
        var e = Assert.Throws<ArgumentException>(() => FeatureInversion.Training.FeatureDataset.Build(TestData.Representation(representation), crops, null, ""));
        Assert.Contains("use at most", e.Message);
    }
}
