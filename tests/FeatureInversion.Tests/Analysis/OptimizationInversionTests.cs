using FeatureInversion.Analysis.Optimization;
using FeatureInversion.Trainer;

namespace FeatureInversion.Tests.Analysis;

public class OptimizationInversionTests
{
    [Fact]
    public void GradientDescentThroughResNetLowersTheFeatureLoss()
    {
        var representation = TestData.Representations.Get("resnet18-conv1");
        var images = new[] { "camera-256x256.jpg", "rocket-427x285.jpg" }
            .Select(p => ImageFiles.CenterSquare(TestData.LoadPhoto(p), 32))
            .ToList();
        var extractor = representation.Create();
        var targets = images.Select(i => extractor.Extract(i)).ToList();
        using var encoder = OptimizationInversion.EncoderFor(representation, TorchSharp.torch.CPU);
        var result = OptimizationInversion.Invert(
            encoder.EncodeWithGradient,
            targets,
            32,
            new OptimizationSettings
            {
                Iterations = 40,
                LambdaAlpha = 0,
                LambdaTv = 0.003,
            },
            TorchSharp.torch.CPU
        );
        Assert.True(
            result.FinalFeatureLoss < 0.5 * result.InitialFeatureLoss,
            $"feature loss {result.InitialFeatureLoss:F3} -> {result.FinalFeatureLoss:F3}"
        );
        Assert.Equal(2, result.Images.Count);
        // Closer to the images than the mid-gray start.
        var gray = new ColorImage(32, 32, Enumerable.Repeat(0.5f, 3 * 32 * 32).ToArray());
        Assert.All(images.Zip(result.Images), p =>
            Assert.True(
                ReconstructionMetrics.Distance(p.First.Planes, p.Second.Planes)
                    < ReconstructionMetrics.Distance(p.First.Planes, gray.Planes)
            )
        );
    }

    [Fact]
    public void LbpHasNoDifferentiableEncoderAndSaysSo()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            OptimizationInversion.EncoderFor(TestData.Representations.Get("lbp"), TorchSharp.torch.CPU)
        );
        Assert.Contains("lbp", e.Message);
    }

    [Fact]
    public async Task TheAnalyzeVerbsWriteTheirTablesAndSheets()
    {
        string dir = Directory.CreateTempSubdirectory("fi-analyze-").FullName;
        try
        {
            string model = FeatureInversion.Tests.Reliability.PipelineTestbedModels.Hog,
                photos = TestData.PhotosDirectory;
            var stdout = new StringWriter();
            Assert.Equal(
                0,
                await Cli.RunAsync(
                    [
                        "analyze",
                        "perturb",
                        model,
                        "--test",
                        photos,
                        "--per-photo",
                        "1",
                        "--sheets",
                        dir,
                        "--plot",
                        Path.Combine(dir, "curve.png"),
                        "--series",
                        "x=0.5",
                        "--device",
                        "cpu",
                    ],
                    stdout,
                    new StringWriter()
                )
            );
            Assert.Contains("| none | bin | drop50 | drop50+bin | drop50-smallest+bin |", stdout.ToString());
            Assert.Equal(
                0,
                await Cli.RunAsync(
                    [
                        "analyze",
                        "topk",
                        model,
                        "--test",
                        photos,
                        "--per-photo",
                        "1",
                        "--sheet",
                        Path.Combine(dir, "topk.png"),
                        "--device",
                        "cpu",
                    ],
                    new StringWriter(),
                    new StringWriter()
                )
            );
            Assert.Equal(
                0,
                await Cli.RunAsync(
                    [
                        "analyze",
                        "interpolate",
                        model,
                        "--a",
                        Path.Combine(photos, "camera-256x256.jpg"),
                        "--b",
                        Path.Combine(photos, "rocket-427x285.jpg"),
                        "--steps",
                        "3",
                        "--sheet",
                        Path.Combine(dir, "interp.png"),
                        "--device",
                        "cpu",
                    ],
                    new StringWriter(),
                    new StringWriter()
                )
            );
            Assert.Equal(
                0,
                await Cli.RunAsync(
                    [
                        "analyze",
                        "random",
                        model,
                        "--train",
                        photos,
                        "--references",
                        "16",
                        "--samples",
                        "2",
                        "--sheet",
                        Path.Combine(dir, "random.png"),
                        "--device",
                        "cpu",
                    ],
                    new StringWriter(),
                    new StringWriter()
                )
            );
            Assert.Equal(
                2,
                await Cli.RunAsync(
                    [
                        "analyze",
                        "perturb",
                        model,
                        "--test",
                        photos,
                        "--sheets",
                        dir,
                        "--plot",
                        Path.Combine(dir, "c.png"),
                        "--series",
                        "x=0.5,0.6",
                    ],
                    new StringWriter(),
                    new StringWriter()
                )
            );
            Assert.Equal(
                1,
                await Cli.RunAsync(
                    [
                        "analyze",
                        "units",
                        model,
                        "--train",
                        photos,
                        "--sheet",
                        Path.Combine(dir, "units.png"),
                        "--device",
                        "cpu",
                    ],
                    new StringWriter(),
                    new StringWriter()
                )
            ); // HOG maps are no vector layer
            foreach (var png in new[] { "curve.png", "topk.png", "interp.png", "random.png" })
                Assert.True(new FileInfo(Path.Combine(dir, png)).Length > 1000, png);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ASingleUnitVectorHasOnlyThatUnitAtItsLargestReferenceValue()
    {
        string pool5 = Directory
            .GetDirectories(Path.Combine(TestData.Root, "models", "resnet18"), "resnet18-pool5-*")
            .Single();
        var (network, _) = DecoderCheckpoint.Load(pool5, TestData.Representations, device: TorchSharp.torch.CPU);
        using (network)
        {
            var (sheet, units) = FeatureInversion.Analysis.FeatureSpace.FeatureAnalyses.SingleUnits(
                network,
                TestData.PhotosDirectory,
                [3, 7],
                references: 16
            );
            Assert.Equal([3, 7], units.Select(u => u.Unit));
            Assert.All(units, u => Assert.True(u.Value >= 0));
            Assert.True(sheet.Length > 1000);
            Assert.Throws<ArgumentException>(() =>
                FeatureInversion.Analysis.FeatureSpace.FeatureAnalyses.SingleUnits(
                    network,
                    TestData.PhotosDirectory,
                    [512],
                    references: 4
                )
            );
        }
    }
}
