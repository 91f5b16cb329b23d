using FeatureInversion.Analysis.FeatureSpace;

namespace FeatureInversion.Tests.Analysis;

/// <summary>The invariants of the feature-space analyses' transforms (§5.3–5.5).</summary>
public class FeatureSpaceTests
{
    private static float[] Activations(int n, int seed, double sparsity = 0.5)
    {
        var random = new Random(seed);
        return Enumerable
            .Range(0, n)
            .Select(_ => random.NextDouble() < sparsity ? 0f : (float)(random.NextDouble() * 3))
            .ToArray();
    }

    [Fact]
    public void BinarizationKeepsSignsPatternAndNormWithOneMagnitude()
    {
        float[] x = [0, 2, -1, 0, 0.5f, 3];
        var y = FeatureTransforms.Binarize(x);
        Assert.Equal(FeatureTransforms.Norm(x), FeatureTransforms.Norm(y), 5);
        Assert.Equal(x.Select(Math.Sign), y.Select(Math.Sign));
        Assert.Single(y.Where(v => v != 0).Select(Math.Abs).Distinct());
    }

    [Fact]
    public void DropoutZeroesHalfTheEntriesReproduciblyAndRestoresTheNorm()
    {
        var x = Activations(1000, 1, sparsity: 0);
        var y = FeatureTransforms.Dropout(x, 0.5, seed: 7);
        Assert.Equal(500, y.Count(v => v == 0));
        Assert.Equal(FeatureTransforms.Norm(x), FeatureTransforms.Norm(y), 3);
        Assert.Equal(y, FeatureTransforms.Dropout(x, 0.5, seed: 7));
        Assert.NotEqual(y, FeatureTransforms.Dropout(x, 0.5, seed: 8));
        Assert.All(Enumerable.Range(0, x.Length).Where(i => y[i] != 0), i =>
            Assert.Equal(y[i] / x[i], y.First(v => v != 0) / x[Array.FindIndex(y, v => v != 0)], 4)
        );
    }

    [Fact]
    public void DroppingTheSmallestRemovesHalfTheNonZeroEntriesByMagnitude()
    {
        float[] x = [0, 1, 5, 0, 2, 4];
        var y = FeatureTransforms.DropSmallest(x, 0.5);
        Assert.Equal([false, false, true, false, false, true], y.Select(v => v != 0));
        Assert.Equal(FeatureTransforms.Norm(x), FeatureTransforms.Norm(y), 5);
    }

    [Fact]
    public void TopKAndAllButTopKSplitTheVector()
    {
        var x = Activations(512, 3);
        var top = FeatureTransforms.TopK(x, 5);
        var rest = FeatureTransforms.AllButTopK(x, 5);
        Assert.Equal(5, top.Count(v => v != 0));
        Assert.Equal(x, top.Zip(rest, (a, b) => a + b));
        Assert.True(top.Where(v => v != 0).Min() >= rest.Max());
    }

    [Fact]
    public void InterpolationHitsBothEndpointsAndIsLinear()
    {
        var (a, b) = (Activations(64, 4), Activations(64, 5));
        Assert.Equal(a, FeatureTransforms.Interpolate(a, b, 0));
        Assert.Equal(b, FeatureTransforms.Interpolate(a, b, 1));
        var mid = FeatureTransforms.Interpolate(a, b, 0.5);
        Assert.All(Enumerable.Range(0, 64), i => Assert.Equal((a[i] + b[i]) / 2, mid[i], 5));
    }

    [Fact]
    public void HistogramSamplesMatchTheReferenceSparsityAndRangeTimesAlpha()
    {
        var reference = Enumerable.Range(0, 1024).Select(i => Activations(256, 100 + i, sparsity: 0.6)).ToList();
        var sampler = new FeatureSampler(reference);
        Assert.Equal(0.6, sampler.Sparsity, 1);
        var random = new Random(1);
        var samples = Enumerable.Range(0, 1000).Select(_ => sampler.FromHistograms(random, alpha: 2)).ToList();
        double sparsity = samples.Average(s => s.Count(v => v == 0) / 256.0);
        Assert.Equal(sampler.Sparsity, sparsity, 0.005); // binomial noise: 0.0015 at 256,000 draws
        float max = reference.Max(r => r.Max());
        Assert.All(samples, s => Assert.All(s, v => Assert.InRange(v, 0f, 2 * max + 1e-4f)));
        var gaussian = sampler.FromTruncatedGaussian(random);
        Assert.All(gaussian, v => Assert.True(v >= 0));
    }

    [Fact]
    public void InterpolatedReconstructionEndpointsAreTheTwoImagesReconstructions()
    {
        var (network, manifest) = DecoderCheckpoint.Load(
            FeatureInversion.Tests.Reliability.PipelineTestbedModels.Hog,
            TestData.Representations,
            device: TorchSharp.torch.CPU
        );
        using (network)
        {
            var (_, endpoints) = FeatureAnalyses.Interpolate(
                [(network, manifest)],
                TestData.LoadPhoto("camera-256x256.jpg"),
                TestData.LoadPhoto("rocket-427x285.jpg"),
                steps: 3
            );
            Assert.Equal(0, Assert.Single(endpoints).EndpointDifference, 5);
        }
    }
}
