using FeatureInversion.Training.Data;
using static TorchSharp.torch;

namespace FeatureInversion.Tests.Training;

/// <summary>Tiny real training runs on ResNet18 features: fixed encoder through the trainer, and the
/// autoencoder.</summary>
[Trait(Tiers.Name, Tiers.Slow)]
public class DeepTrainingTests
{
    [Fact]
    public void AFixedEncoderDecoderForTheVectorLayerLearns()
    {
        var data = TestData.Crops("resnet18-pool5", 48, seed: 3);
        using var pool = TestData.Pool();
        using var stream = new FeatureInversion.Training.Data.StreamingBatches(
            pool,
            null,
            64,
            16,
            seed: 1,
            augmentation: new CropAugmentation(0)
        );
        using var encoder = (
            (FeatureInversion.Onnx.IBatchEncodable)TestData.Representations.Create("resnet18-pool5")
        ).CreateEncoder(CPU);
        random.manual_seed(1);
        using var network = new DecoderNetwork(
            DecoderArchitecture.For(TestData.Representation("resnet18-pool5"), 64, 0.125)
        );
        double before = DecoderTrainer.Evaluate(network, data).NormalizedError;
        DecoderTrainer.Train(
            network,
            stream,
            null,
            new TrainingOptions
            {
                Steps = 60,
                BatchSize = 16,
                Seed = 1,
            },
            encoder: encoder
        );
        double after = DecoderTrainer.Evaluate(network, data).NormalizedError;
        Assert.True(after < 0.9 * before, $"error on held crops went from {before:F3} to {after:F3}");
    }

    [Fact]
    public void BatchEncodingGivesThePerImageFeatures()
    {
        var data = TestData.Crops("resnet18-res3", 4, seed: 9);
        using var encoder = (
            (FeatureInversion.Onnx.IBatchEncodable)TestData.Representations.Create("resnet18-res3")
        ).CreateEncoder(CPU);
        var images = new float[4 * 3 * 64 * 64];
        data.CopyImages(0, images);
        using var scope = NewDisposeScope();
        var batched = encoder.Encode(tensor(images, [4, 3, 64, 64])).contiguous().data<float>().ToArray();
        var perImage = data.Features;
        Assert.Equal(perImage.Length, batched.Length);
        Assert.True(perImage.Zip(batched).Max(p => Math.Abs(p.First - p.Second)) < 1e-3f);
    }

    [Fact]
    public async Task AnAutoencoderTrainsItsEncoderAndIsLoadedOnlyWithIt()
    {
        var data = TestData.Crops("resnet18-res4", 32, seed: 4);
        var layer = (ITrainableEncoding)TestData.Representations.Create("resnet18-res4");
        var encoder = layer.CreateTrainable(CPU);
        using (encoder)
        {
            var before0 = encoder.Network.parameters().Select(p => p.detach().clone()).ToList();
            random.manual_seed(2);
            using var decoder = new DecoderNetwork(
                DecoderArchitecture.For(TestData.Representation("resnet18-res4"), 64, 0.125)
            );
            double before = AutoencoderTrainer.Evaluate(decoder, encoder, data).NormalizedError;

            using var pool = TestData.Pool();
            using var stream = new FeatureInversion.Training.Data.StreamingBatches(
                pool,
                null,
                64,
                8,
                seed: 2,
                augmentation: new CropAugmentation(0)
            );
            AutoencoderTrainer.Train(
                decoder,
                encoder,
                stream,
                null,
                new TrainingOptions
                {
                    Steps = 30,
                    BatchSize = 8,
                    Seed = 2,
                }
            );
            double after = AutoencoderTrainer.Evaluate(decoder, encoder, data).NormalizedError;
            Assert.True(after < before, $"autoencoder error went from {before:F3} to {after:F3}");
            var changed = before0.Zip(encoder.Network.parameters()).Count(p => !p.First.allclose(p.Second));
            Assert.True(changed > 0, "the encoder's weights did not change");
            Assert.True(changed < before0.Count, "layers after res4 are never run and must stay as loaded");

            string dir = Path.Combine(Path.GetTempPath(), "fi-ae-" + Guid.NewGuid().ToString("N"));
            try
            {
                var settings = new Dictionary<string, string>(TestData.Representation("resnet18-res4").Settings)
                {
                    [DecoderCheckpoint.EncoderSetting] = "autoencoder",
                };
                DecoderCheckpoint.Save(
                    decoder,
                    new DecoderManifest
                    {
                        Version = "resnet18-res4-64px-w0.125-ae-test",
                        Representation = "resnet18-res4",
                        RepresentationSettings = settings,
                        Architecture = DecoderArchitecture.Revision,
                        ImageSize = 64,
                        Width = 0.125,
                    },
                    dir
                );
                encoder.Network.save(Path.Combine(dir, AutoencoderCheckpoint.EncoderFileName));
                var e = Assert.Throws<InvalidDataException>(() =>
                    DecoderCheckpoint.Load(dir, TestData.Representations, "resnet18-res4")
                );
                Assert.Contains("autoencoder", e.Message);

                // Loaded back, its encoder computes the fine-tuned features (not the ImageNet layer's), and the
                // analyses use them.
                var (network, manifest, loaded) = AutoencoderCheckpoint.Load(dir, TestData.Representations, CPU);
                using (network)
                using (loaded)
                using (var imageNet = ((FeatureInversion.Onnx.IBatchEncodable)layer).CreateEncoder(CPU))
                using (var scope = NewDisposeScope())
                {
                    var images = new float[4 * 3 * 64 * 64];
                    data.CopyImages(0, images);
                    var x = tensor(images, [4, 3, 64, 64]);
                    var fineTuned = loaded.Encode(x);
                    using (no_grad())
                        Assert.True(fineTuned.allclose(encoder.Encode(x), rtol: 1e-4, atol: 1e-4));
                    Assert.False(fineTuned.allclose(imageNet.Encode(x), rtol: 1e-3, atol: 1e-3));
                    var (_, _, features) = DecoderEvaluation.TestSet(
                        TestData.Representation("resnet18-res4"),
                        TestData.PhotosDirectory,
                        64,
                        1,
                        encoder: loaded
                    );
                    var (_, _, plain) = DecoderEvaluation.TestSet(
                        TestData.Representation("resnet18-res4"),
                        TestData.PhotosDirectory,
                        64,
                        1
                    );
                    Assert.Equal(plain.Count, features.Count);
                    Assert.Equal(plain[0].Shape, features[0].Shape);
                    Assert.NotEqual(plain[0].Data, features[0].Data);
                }
                var stdout = new StringWriter();
                Assert.Equal(
                    0,
                    await FeatureInversion.Trainer.Cli.RunAsync(
                        [
                            "analyze",
                            "perturb",
                            dir,
                            "--test",
                            TestData.PhotosDirectory,
                            "--per-photo",
                            "1",
                            "--sheets",
                            Path.Combine(dir, "sheets"),
                            "--plot",
                            Path.Combine(dir, "curve.png"),
                            "--device",
                            "cpu",
                        ],
                        stdout,
                        new StringWriter()
                    )
                );
                Assert.Contains("| resnet18-res4-64px-w0.125-ae-test |", stdout.ToString());
                Assert.True(new FileInfo(Path.Combine(dir, "curve.png")).Length > 1000);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public void TheLayerCurvePlotDrawsEachSeriesInItsColour()
    {
        var plot = ErrorCurvePlot.Draw(
            "test",
            ["a", "b", "c"],
            [new PlotSeries("one", (1f, 0f, 0f), [0.2, 0.5, null])],
            width: 300,
            height: 200
        );
        int n = plot.Width * plot.Height;
        int red = Enumerable
            .Range(0, n)
            .Count(i => plot.Planes[i] == 1f && plot.Planes[n + i] == 0f && plot.Planes[2 * n + i] == 0f);
        Assert.InRange(red, 100, 5000); // a line segment, two markers and the legend box
        Assert.Contains(plot.Planes.Take(n), v => v == 0f); // black axes and text
    }
}
