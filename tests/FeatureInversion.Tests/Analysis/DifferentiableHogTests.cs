using FeatureInversion.Analysis.Optimization;
using static TorchSharp.torch;

namespace FeatureInversion.Tests.Analysis;

/// <summary>HOG as a TorchSharp expression against the exact extractor (VLFeat's arithmetic), and its
/// gradient.</summary>
public class DifferentiableHogTests
{
    private static Tensor Batch(IReadOnlyList<ColorImage> images)
    {
        int w = images[0].Width,
            h = images[0].Height;
        var data = images.SelectMany(i => i.Planes).ToArray();
        return tensor(data, [images.Count, 3, h, w]);
    }

    private static List<ColorImage> Crops(int width, int height) =>
        TestData.PhotoNames.Select(p => TestData.LoadPhoto(p)).Select(photo => Crop(photo, width, height)).ToList();

    private static ColorImage Crop(ColorImage photo, int width, int height)
    {
        var planes = new float[3 * width * height];
        int x0 = (photo.Width - width) / 2,
            y0 = (photo.Height - height) / 2;
        for (int c = 0; c < 3; c++)
        for (int y = 0; y < height; y++)
            Array.Copy(
                photo.Planes,
                (c * photo.Height + y0 + y) * photo.Width + x0,
                planes,
                (c * height + y) * width,
                width
            );
        return new ColorImage(width, height, planes);
    }

    [Theory]
    [InlineData(64, 64, 8)]
    [InlineData(61, 45, 8)] // partial last cells
    [InlineData(48, 40, 6)]
    public void HardModeReproducesTheExactExtractor(int width, int height, int cell)
    {
        var crops = Crops(width, height);
        using var scope = NewDisposeScope();
        using var hog = new DifferentiableHog(cell, binning: HogBinning.Exact);
        var features = hog.Encode(Batch(crops)).contiguous().data<float>().ToArray();
        var exact = new HogExtractor(cell);
        int length = exact.OutputShape(width, height).Length;
        Assert.Equal(crops.Count * length, features.Length);
        for (int i = 0; i < crops.Count; i++)
        {
            var expected = exact.Extract(crops[i].ToGray()).Data;
            float worst = 0;
            for (int j = 0; j < length; j++)
                worst = Math.Max(worst, Math.Abs(expected[j] - features[i * length + j]));
            Assert.True(worst <= 1e-4f, $"crop {i}: max difference {worst}");
        }
    }

    [Fact]
    public void SoftBinningCorrelatesWithTheExactFeaturesMoreAsTheTemperatureGrowsAndStraightThroughIsExact()
    {
        var crops = Crops(64, 64);
        var exact = crops.Select(c => new HogExtractor().Extract(c.ToGray())).ToList();
        double previous = 0;
        foreach (double temperature in new[] { 10.0, 100.0, 1000.0 })
        {
            using var hog = new DifferentiableHog(temperature: temperature, binning: HogBinning.Soft);
            var (r, forward) = hog.Agreement(crops, exact);
            Assert.True(r > previous, $"τ = {temperature}: r = {r:F4} after {previous:F4}");
            Assert.True(forward > 1e-3, "soft binning differs from the exact features forward");
            previous = r;
        }
        // Boundary gradients (gx = 0) are split in half at any τ, where VLFeat picks one bin: the ceiling is below 1.
        Assert.True(previous > 0.97, $"τ = 1000: r = {previous:F4}");
        using var straight = new DifferentiableHog();
        Assert.True(straight.Agreement(crops, exact).MaxForwardDifference <= 1e-4);
    }

    [Fact]
    public void GradientsReachEveryInteriorPixelAndAreFinite()
    {
        var crop = Crops(32, 32)[0];
        using var scope = NewDisposeScope();
        using var hog = new DifferentiableHog();
        var x = Batch([crop]).requires_grad_(true);
        hog.EncodeWithGradient(x).pow(2).sum().backward();
        var grad = x.grad!.sum(1)[0]; // H × W, summed over the colour channels
        Assert.True(grad.isfinite().all().item<bool>());
        Assert.True(
            grad[1..^1, 1..^1].abs().gt(0).to(float32).mean().item<float>() > 0.9f,
            "most interior pixels move the features"
        );
    }

    [Fact]
    public void OptimizationThroughHogLowersTheFeatureLoss()
    {
        var crops = Crops(32, 32).Take(2).ToList();
        var targets = crops.Select(c => new HogExtractor().Extract(c.ToGray())).ToList();
        using var encoder = OptimizationInversion.EncoderFor(TestData.Representations.Get("hog"), CPU);
        var result = OptimizationInversion.Invert(
            encoder.EncodeWithGradient,
            targets,
            32,
            new OptimizationSettings
            {
                Iterations = 60,
                LambdaAlpha = 0,
                LambdaTv = 0.003,
            },
            CPU
        );
        Assert.True(
            result.FinalFeatureLoss < 0.5 * result.InitialFeatureLoss,
            $"feature loss {result.InitialFeatureLoss:F3} -> {result.FinalFeatureLoss:F3}"
        );
    }

    [Fact]
    public async Task TheOptimizeVerbInvertsHogAndReportsTheApproximationsAgreement()
    {
        var stdout = new StringWriter();
        Assert.Equal(
            0,
            await FeatureInversion.Trainer.Cli.RunAsync(
                [
                    "optimize",
                    "hog",
                    "--test",
                    TestData.PhotosDirectory,
                    "--size",
                    "32",
                    "--iterations",
                    "20",
                    "--lambda-alpha",
                    "0",
                    "--lambda-tv",
                    "0.03",
                    "--device",
                    "cpu",
                ],
                stdout,
                new StringWriter()
            )
        );
        string output = stdout.ToString();
        Assert.Contains("differentiable HOG (StraightThrough, τ 100) on these crops: soft binning r = 0.9", output);
        Assert.Matches(@"hog: 5 test crops at 32px; optimization \(20 steps.*\): error 0\.\d+, feature loss", output);
        Assert.Equal(
            2,
            await FeatureInversion.Trainer.Cli.RunAsync(
                ["optimize", "hog", "--test", TestData.PhotosDirectory, "--hog-temperature", "0"],
                new StringWriter(),
                new StringWriter()
            )
        );
    }
}
