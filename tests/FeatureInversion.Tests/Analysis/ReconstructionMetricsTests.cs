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

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(1024)]
    [InlineData(1031)]
    [InlineData(64 * 64)]
    [InlineData(301 * 227)]
    public void DistanceToGrayIsTheDistanceToGrayAsRgbBitForBit(int pixels)
    {
        var random = new Random(pixels);
        var target = Enumerable.Range(0, 3 * pixels).Select(_ => (float)random.NextDouble()).ToArray();
        var rgb = Enumerable.Range(0, 3 * pixels).Select(_ => (float)random.NextDouble()).ToArray();
        double expected = ReconstructionMetrics.Distance(target, ReconstructionMetrics.GrayAsRgb(rgb));
        Assert.Equal(
            BitConverter.DoubleToInt64Bits(expected),
            BitConverter.DoubleToInt64Bits(ReconstructionMetrics.DistanceToGray(target, rgb))
        );
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

    [Fact]
    public void ChromaGainsOfTheTargetsOwnColourAndOfGrayAreThatColourAndZero()
    {
        var random = new Random(5);
        var targets = Enumerable
            .Range(0, 4)
            .Select(_ => Enumerable.Range(0, 3 * 8 * 8).Select(_ => (float)random.NextDouble()).ToArray())
            .ToList();
        var grayTargets = targets.Select(ReconstructionMetrics.GrayAsRgb).ToList();
        // a perfect reconstruction: its own gray is off by the targets' chroma, and the true chroma puts it back
        double chromaOfTargets = ReconstructionMetrics.NormalizedError(targets, grayTargets);
        Assert.True(chromaOfTargets > 0.05);
        Assert.Equal(chromaOfTargets, ReconstructionMetrics.TrueChromaGain(targets, targets), 5);
        Assert.Equal(chromaOfTargets, ReconstructionMetrics.ColorGain(targets, targets), 5);
        // gray reconstructions: no colour gain of their own; a gray chroma source adds nothing either (within the
        // 1e-4 by which rgb2gray's weights miss summing to 1)
        Assert.Equal(0, ReconstructionMetrics.ColorGain(targets, grayTargets), 4);
        Assert.Equal(0, ReconstructionMetrics.ChromaGain(targets, grayTargets, grayTargets), 4);
        Assert.True(ReconstructionMetrics.TrueChromaGain(targets, grayTargets) > 0.05);
    }

    /// <summary>The separable SSIM against the direct 11 × 11 window sum it replaced (the 'valid' windows; images
    /// smaller than the window in one or both directions), on random images.</summary>
    [Theory]
    [InlineData(64, 64)]
    [InlineData(160, 107)]
    [InlineData(30, 11)]
    [InlineData(7, 5)]
    public void SeparableSsimIsTheDirectWindowSum(int width, int height)
    {
        var random = new Random(width * 1000 + height);
        var x = Enumerable.Range(0, 3 * width * height).Select(_ => (float)random.NextDouble()).ToArray();
        var y = x.Select(v => Math.Clamp(v + (float)(random.NextDouble() - 0.5) * 0.3f, 0f, 1f)).ToArray();
        int plane = width * height;
        double expected = Enumerable
            .Range(0, 3)
            .Average(c => DirectSsim(x.AsSpan(c * plane, plane), y.AsSpan(c * plane, plane), width, height));
        Assert.Equal(expected, ReconstructionMetrics.Ssim(x, y, width, height), 12);
    }

    private static double DirectSsim(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int width, int height)
    {
        var window = Enumerable.Range(0, 11).Select(i => Math.Exp(-(i - 5) * (i - 5) / (2 * 1.5 * 1.5))).ToArray();
        double total = window.Sum();
        for (int i = 0; i < window.Length; i++)
            window[i] /= total;
        int startY = Math.Min(5, height / 2),
            endY = Math.Max(height - 5, startY + 1),
            startX = Math.Min(5, width / 2),
            endX = Math.Max(width - 5, startX + 1);
        double sum = 0;
        int count = 0;
        for (int cy = startY; cy < endY; cy++)
        for (int cx = startX; cx < endX; cx++)
        {
            double w0 = 0,
                mx = 0,
                my = 0,
                xx = 0,
                yy = 0,
                xy = 0;
            for (int dy = -5; dy <= 5; dy++)
            for (int dx = -5; dx <= 5; dx++)
            {
                int px = cx + dx,
                    py = cy + dy;
                if (px < 0 || py < 0 || px >= width || py >= height)
                    continue;
                double w = window[dy + 5] * window[dx + 5],
                    a = x[py * width + px],
                    b = y[py * width + px];
                w0 += w;
                mx += w * a;
                my += w * b;
                xx += w * a * a;
                yy += w * b * b;
                xy += w * a * b;
            }
            mx /= w0;
            my /= w0;
            double vx = xx / w0 - mx * mx,
                vy = yy / w0 - my * my,
                cov = xy / w0 - mx * my;
            sum += (2 * mx * my + 1e-4) * (2 * cov + 9e-4) / ((mx * mx + my * my + 1e-4) * (vx + vy + 9e-4));
            count++;
        }
        return sum / count;
    }
}
