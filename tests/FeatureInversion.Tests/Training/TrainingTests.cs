using FeatureInversion.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Tests.Training;

/// <summary>The tests that compare seeded runs or repeated computations bit for bit: libtorch's default generator is
/// process-wide, and so is its kernel choice, which the training step check (<c>GradientCheck</c>, before any
/// training) and a non-finite decode's retry switch to ATen's native kernels for a moment; so they must not run beside
/// other test classes.</summary>
[CollectionDefinition(nameof(TorchRandomCollection), DisableParallelization = true)]
public sealed class TorchRandomCollection;

/// <summary>Tiny training runs on streamed crops of the committed test photos: fast, but real.</summary>
[Collection(nameof(TorchRandomCollection))]
public class TrainingTests
{
    private static double Loss(DecoderNetwork network, FeatureDataset data)
    {
        var targets = DecoderTrainer.Targets(data);
        var outputs = DecoderTrainer.Reconstruct(network, data);
        return targets
            .Zip(outputs)
            .Average(p => p.First.Zip(p.Second).Average(v => (v.First - v.Second) * (v.First - v.Second)));
    }

    [Fact]
    public void LossFallsInAShortRun()
    {
        var data = TestData.Crops("hog", 64, seed: 5);
        using var pool = TestData.Pool();
        using var stream = new StreamingBatches(
            pool,
            TestData.Representation("hog"),
            64,
            16,
            seed: 1,
            augmentation: new CropAugmentation(0)
        );
        random.manual_seed(1);
        using var network = new DecoderNetwork(DecoderArchitecture.For(TestData.Representation("hog"), 64, 0.125));
        double before = Loss(network, data);
        var (_, steps, _) = DecoderTrainer.Train(
            network,
            stream,
            null,
            new TrainingOptions
            {
                Steps = 60,
                BatchSize = 16,
                Seed = 1,
            }
        );
        double after = Loss(network, data);
        Assert.Equal(60, steps);
        Assert.True(after < 0.85 * before, $"loss on held crops went from {before:F4} to {after:F4}");
    }

    [Fact]
    public void TrainingIsDeterministicForASeedWhateverTheNumberOfLoaderThreads()
    {
        using var pool = TestData.Pool();
        // The batches are deterministic by construction (batch k drawn from (seed, k)): equal, bit for bit.
        List<(float[] Features, float[] Images)> Batches(int producers)
        {
            using var stream = new StreamingBatches(
                pool,
                TestData.Representation("lbp"),
                64,
                8,
                seed: 7,
                augmentation: new CropAugmentation(0.5),
                producers: producers
            );
            var taken = new List<(float[], float[])>();
            for (int k = 0; k < 5; k++)
            {
                var batch = stream.Take();
                taken.Add((batch.Features.ToArray(), batch.Images.ToArray()));
                stream.Return(batch);
            }
            return taken;
        }
        var reference = Batches(1);
        foreach (var producers in new[] { 1, 3 })
        {
            var other = Batches(producers);
            for (int k = 0; k < reference.Count; k++)
            {
                Assert.Equal(reference[k].Features, other[k].Features);
                Assert.Equal(reference[k].Images, other[k].Images);
            }
        }

        // Training on them is not: libtorch's CPU kernels split reductions (weight gradients, batch sums) over OpenMP
        // threads, and the loader threads change how those threads are scheduled, so float32 sums may round differently
        // (a fresh-clone CI run saw 0.496708512 against 0.496708483, 6e-8 relative). Five Adam steps keep such a
        // difference near float32 resolution; a different stream or seed moves outputs by 1e-2 or more.
        var data = TestData.Crops("lbp", 8, seed: 6);
        float[] Run(int producers)
        {
            using var stream = new StreamingBatches(
                pool,
                TestData.Representation("lbp"),
                64,
                8,
                seed: 7,
                augmentation: new CropAugmentation(0.5),
                producers: producers
            );
            random.manual_seed(7);
            using var network = new DecoderNetwork(DecoderArchitecture.For(TestData.Representation("lbp"), 64, 0.0625));
            DecoderTrainer.Train(
                network,
                stream,
                null,
                new TrainingOptions
                {
                    Steps = 5,
                    BatchSize = 8,
                    Seed = 7,
                }
            );
            return DecoderTrainer.Reconstruct(network, data)[0];
        }
        var one = Run(1);
        foreach (var again in new[] { Run(1), Run(3) })
            Assert.True(
                one.Zip(again).Max(p => Math.Abs(p.First - p.Second)) <= 1e-4,
                "same seed and stream, outputs differ by more than float32 reduction order explains"
            );
    }

    [Fact]
    public void TrainingStopsOnANonFiniteLossKeepingTheLastFiniteCheckpointWhichResumes()
    {
        string output = Path.Combine(Path.GetTempPath(), $"nonfinite-{Guid.NewGuid():N}");
        try
        {
            TrainingJobOptions Options(double lr, int steps, bool resume) =>
                TestData.TinyHogJob(output, steps, lr, resume);
            TrainingJob.Run(Options(1e-3, 4, resume: false), TestData.Representations);
            string weights = Path.Combine(output, DecoderManifest.WeightsFileName);
            var good = File.ReadAllBytes(weights);

            // A learning rate of 1e4 overflows the loss on the next step: the run stops, naming the step, and leaves
            // the checkpoint it resumed from untouched (no periodic save can have happened: those come every 2 steps).
            var e = Assert.Throws<NonFiniteTrainingException>(() =>
                TrainingJob.Run(Options(1e4, 40, resume: true), TestData.Representations)
            );
            Assert.Equal(6, e.Step);
            Assert.StartsWith("training stopped at step 6: the loss is ", e.Message);
            Assert.Contains($"nothing was saved after the resumed checkpoint {output}", e.Message);
            Assert.Equal(good, File.ReadAllBytes(weights));
            Assert.Equal(4, DecoderManifest.Read(output).Training!.Steps);

            // --resume continues from it to the end, saving a periodic checkpoint on the way and a finite evaluation.
            var log = new StringWriter();
            var done = TrainingJob.Run(Options(1e-4, 8, resume: true), TestData.Representations, log: log);
            Assert.Contains("checkpoint at step 6", log.ToString());
            Assert.Equal(8, done.Training!.Steps);
            Assert.True(double.IsFinite(done.Evaluation!.NormalizedError));
        }
        finally
        {
            if (Directory.Exists(output))
                Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void ATimeLimitEndsTheRunAsALastStepWouldAndReportsEveryStepWhenAsked()
    {
        string output = Path.Combine(Path.GetTempPath(), $"timelimit-{Guid.NewGuid():N}");
        try
        {
            var job = TestData.TinyHogJob(output, 100_000);
            job = job with { Training = job.Training with { MaxSeconds = 1e-9, ReportEvery = 1 } };
            var steps = new List<TrainingProgress>();
            var manifest = TrainingJob.Run(job, TestData.Representations, new SynchronousProgress(steps.Add));
            // at least one step runs whatever the limit; the run is then evaluated and saved with the steps done
            Assert.Equal(1, manifest.Training!.Steps);
            Assert.True(double.IsFinite(manifest.Evaluation!.NormalizedError));
            Assert.Equal(1, DecoderManifest.Read(output).Training!.Steps);
            var first = Assert.Single(steps);
            Assert.Equal(1, first.Step);
            Assert.Equal(first.Loss, first.StepLoss); // the smoothed loss starts at the first step's
        }
        finally
        {
            if (Directory.Exists(output))
                Directory.Delete(output, recursive: true);
        }
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    [Fact]
    public void BatchesDoNotLeakNativeTensors()
    {
        var data = TestData.Crops("lbp", 16, seed: 8);
        using var pool = TestData.Pool();
        using var stream = new StreamingBatches(
            pool,
            TestData.Representation("lbp"),
            64,
            4,
            seed: 2,
            augmentation: new CropAugmentation(0)
        );
        random.manual_seed(2);
        using var network = new DecoderNetwork(DecoderArchitecture.For(TestData.Representation("lbp"), 64, 0.0625));
        // warm-up allocations
        DecoderTrainer.Train(network, stream, null, new TrainingOptions { Steps = 2, BatchSize = 4 });
        DisposeScopeManager.Statistics.Reset();
        DecoderTrainer.Train(network, stream, null, new TrainingOptions { Steps = 10, BatchSize = 4 });
        DecoderTrainer.Reconstruct(network, data);
        Assert.Equal(0, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void AStreamWhoseFeaturesDoNotFitTheDecoderIsRefused()
    {
        using var pool = TestData.Pool();
        using var stream = new StreamingBatches(
            pool,
            TestData.Representation("lbp"),
            64,
            4,
            seed: 2,
            augmentation: new CropAugmentation(0),
            producers: 1
        );
        using var network = new DecoderNetwork(DecoderArchitecture.For(TestData.Representation("hog"), 64, 0.0625));
        var e = Assert.Throws<ArgumentException>(() =>
            DecoderTrainer.Train(network, stream, null, new TrainingOptions { Steps = 1, BatchSize = 4 })
        );
        Assert.Contains("features", e.Message);
    }

    [Fact]
    public void LearningRateDecaysTowardsTheEnd()
    {
        var o = new TrainingOptions
        {
            Steps = 1000,
            LearningRate = 1e-3,
            DecayFrom = 0.6,
        };
        Assert.Equal(1e-3, o.LearningRateAt(0));
        Assert.Equal(1e-3, o.LearningRateAt(599));
        Assert.Equal(5e-4, o.LearningRateAt(600));
        Assert.Equal(2.5e-4, o.LearningRateAt(700));
        Assert.Equal(1e-3 / 16, o.LearningRateAt(999), 12); // halved at 600, 700, 800, 900
    }
}
