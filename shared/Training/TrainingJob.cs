using FeatureInversion.Features;
using FeatureInversion.Models;
using FeatureInversion.Training.Data;

namespace FeatureInversion.Training;

/// <summary>What to train: data folders, decoder geometry and optimisation settings.</summary>
public sealed record TrainingJobOptions
{
    public required RepresentationDescriptor Representation { get; init; }
    public required string TrainDirectory { get; init; }
    public required string TestDirectory { get; init; }
    public required string OutputDirectory { get; init; }
    public int ImageSize { get; init; } = 64;
    public double Width { get; init; } = 0.25;
    public int TestCropsPerPhoto { get; init; } = 10;

    /// <summary>How training crops are varied: colour jitter, rotation, contrast and brightness (all off by
    /// default).</summary>
    public CropAugmentation Augmentation { get; init; }

    /// <summary>Paper §5.2: train the decoder jointly with the (ResNet18) encoder unfrozen; saves encoder.dat
    /// too.</summary>
    public bool Autoencoder { get; init; }

    /// <summary>Where photo pools are kept between runs (none: a temporary pool, deleted at the end).</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Threads that crop and compute features while the network trains (0: one fewer than the cores, at least
    /// one).</summary>
    public int LoaderThreads { get; init; }

    /// <summary>Read hand-designed features from an on-disk cache of this many samples instead of computing them every
    /// step (0: fresh crops every step). For representations whose extraction is slower than a step: sift-grid at 128
    /// px and up (docs/benchmarks.md). Kept under <see cref="CacheDirectory"/> for later runs with the same data and
    /// seed.</summary>
    public long FeatureCacheSamples { get; init; }

    /// <summary>With a feature cache: how often each cached crop is used, on average, while the cache grows.</summary>
    public double FeatureReuse { get; init; } = 4;
    public string? ResumeFrom { get; init; }

    /// <summary>When above 0, checkpoints are saved in half precision in files of at most this many bytes
    /// (<see cref="Decoders.HalfPrecisionWeights"/>: what travels back from a lent GPU machine).</summary>
    public long HalfPartBytes { get; init; }

    public TrainingOptions Training { get; init; } = new();
}

/// <summary>
/// One training run end to end, shared by the trainer command and the scheduled container job: the training photos
/// pooled at the resolution the crops need, a stream of fresh random crops and their features, a decoder trained (or
/// resumed from a checkpoint's weights and step), evaluated on fixed crops of separate test photos against the
/// mean-training-image baseline, and saved with its manifest and mean image. The phases are <see cref="TrainingRun"/>'s
/// methods, in that order.
/// </summary>
public static class TrainingJob
{
    public static DecoderManifest Run(
        TrainingJobOptions o,
        RepresentationRegistry registry,
        IProgress<TrainingProgress>? progress = null,
        TextWriter? log = null,
        CancellationToken cancel = default
    )
    {
        TrainingRun.Validate(o);
        using var run = new TrainingRun(o, progress, log, cancel);
        return run.Execute(registry);
    }
}
