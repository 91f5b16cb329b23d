namespace FeatureInversion.Tests.Analysis;

public class ReconstructionMetricsTests
{
    [Fact]
    public void NormalizedErrorMatchesAHandComputedValue()
    {
        // Three 2-pixel "images": pairwise distances 3-4-5 → N = (3 + 4 + 5) / 3 = 4.
        float[] a = [0, 0],
            b = [3, 0],
            c = [0, 4];
        float[] ra = [0, 1],
            rb = [3, 0],
            rc = [0, 2]; // errors 1, 0, 2 → mean 1
        double error = ReconstructionMetrics.NormalizedError([a, b, c], [ra, rb, rc]);
        Assert.Equal(1.0 / 4.0, error, 12);
        Assert.Equal(4.0, ReconstructionMetrics.MeanPairwiseDistance([a, b, c]), 12);
    }

    [Fact]
    public void PsnrAndSsimOfIdenticalAndShiftedImages()
    {
        var x = Enumerable.Range(0, 3 * 16 * 16).Select(i => (i % 16) / 16f).ToArray();
        var y = x.Select(v => v + 0.1f).ToArray();
        Assert.Equal(20.0, ReconstructionMetrics.Psnr(x, y), 4); // MSE 0.01 → 20 dB
        Assert.Equal(1.0, ReconstructionMetrics.Ssim(x, x, 16), 12);
        Assert.True(ReconstructionMetrics.Ssim(x, y, 16) < 1.0);
        // capped: identical images have no finite PSNR, and JSON holds no ∞
        Assert.Equal(100.0, ReconstructionMetrics.Psnr(x, x), 6);
    }
}
