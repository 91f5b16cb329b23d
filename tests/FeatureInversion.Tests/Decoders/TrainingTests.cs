using FeatureInversion.Decoders;
using FeatureInversion.Training;
using FeatureInversion.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Tests.Decoders;

/// <summary>The tests that compare seeded runs: libtorch's default generator is process-wide, so they must not run
/// beside other test classes that draw from it.</summary>
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
        return targets.Zip(outputs).Average(p => p.First.Zip(p.Second).Average(v => (v.First - v.Second) * (v.First - v.Second)));
    }

    [Fact]
    public void LossFallsInAShortRun()
    {
        var data = TestData.Crops("hog", 64, seed: 5);
        using var pool = TestData.Pool();
        using var stream = new StreamingBatches(pool, TestData.Representation("hog"), 64, 16, seed: 1, colorJitter: 0);
        random.manual_seed(1);
        using var network = new DecoderNetwork(DecoderArchitecture.For(TestData.Representation("hog"), 64, 0.125));
        double before = Loss(network, data);
        var (_, steps, _) = DecoderTrainer.Train(network, stream, null, new TrainingOptions { Steps = 60, BatchSize = 16, Seed = 1 });
        double after = Loss(network, data);
        Assert.Equal(60, steps);
        Assert.True(after < 0.85 * before, $"loss on held crops went from {before:F4} to {after:F4}");
    }

    [Fact]
    public void TrainingIsDeterministicForASeedWhateverTheNumberOfLoaderThreads()
    {
        var data = TestData.Crops("lbp", 8, seed: 6);
        using var pool = TestData.Pool();
        float[] Run(int producers)
        {
            using var stream = new StreamingBatches(pool, TestData.Representation("lbp"), 64, 8, seed: 7, colorJitter: 0.5, producers: producers);
            random.manual_seed(7);
            using var network = new DecoderNetwork(DecoderArchitecture.For(TestData.Representation("lbp"), 64, 0.0625));
            DecoderTrainer.Train(network, stream, null, new TrainingOptions { Steps = 5, BatchSize = 8, Seed = 7 });
            return DecoderTrainer.Reconstruct(network, data)[0];
        }
        var one = Run(1);
        Assert.Equal(one, Run(1));
        Assert.Equal(one, Run(3));
    }

    [Fact]
    public void BatchesDoNotLeakNativeTensors()
    {
        var data = TestData.Crops("lbp", 16, seed: 8);
        using var pool = TestData.Pool();
        using var stream = new StreamingBatches(pool, TestData.Representation("lbp"), 64, 4, seed: 2, colorJitter: 0);
        random.manual_seed(2);
        using var network = new DecoderNetwork(DecoderArchitecture.For(TestData.Representation("lbp"), 64, 0.0625));
        DecoderTrainer.Train(network, stream, null, new TrainingOptions { Steps = 2, BatchSize = 4 }); // warm-up allocations
        DisposeScopeManager.Statistics.Reset();
        DecoderTrainer.Train(network, stream, null, new TrainingOptions { Steps = 10, BatchSize = 4 });
        DecoderTrainer.Reconstruct(network, data);
        Assert.Equal(0, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void AStreamWhoseFeaturesDoNotFitTheDecoderIsRefused()
    {
        using var pool = TestData.Pool();
        using var stream = new StreamingBatches(pool, TestData.Representation("lbp"), 64, 4, seed: 2, colorJitter: 0, producers: 1);
        using var network = new DecoderNetwork(DecoderArchitecture.For(TestData.Representation("hog"), 64, 0.0625));
        var e = Assert.Throws<ArgumentException>(() => DecoderTrainer.Train(network, stream, null, new TrainingOptions { Steps = 1, BatchSize = 4 }));
        Assert.Contains("features", e.Message);
    }

    [Fact]
    public void LearningRateDecaysTowardsTheEnd()
    {
        var o = new TrainingOptions { Steps = 1000, LearningRate = 1e-3, DecayFrom = 0.6 };
        Assert.Equal(1e-3, o.LearningRateAt(0));
        Assert.Equal(1e-3, o.LearningRateAt(599));
        Assert.Equal(5e-4, o.LearningRateAt(600));
        Assert.Equal(2.5e-4, o.LearningRateAt(700));
        Assert.Equal(1e-3 / 16, o.LearningRateAt(999), 12); // halved at 600, 700, 800, 900
    }
}
