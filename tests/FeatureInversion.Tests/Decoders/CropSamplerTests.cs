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
        Assert.Equal(5 * 3, sampler.Evaluation(3, 64, seed: 1).Count);
    }

    [Fact]
    public void ChromaJitterKeepsLuminanceAndSoTheFeatures()
    {
        using var sampler = new CropSampler(TestData.PhotosDirectory);
        var crop = sampler.Evaluation(1, 64, seed: 1)[2]; // a colour photo
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
}
