using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Features;
using FeatureInversion.Models;
using FeatureInversion.Onnx;
using FeatureInversion.Training.Data;
using TorchSharp;

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

    /// <summary>Fraction of training crops whose chroma is randomly rotated and rescaled (0: none).</summary>
    public double ColorJitter { get; init; }

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
    public TrainingOptions Training { get; init; } = new();
}

/// <summary>
/// One training run end to end, shared by the trainer command and the scheduled container job: the training photos
/// pooled at the resolution the crops need, a stream of fresh random crops and their features, a decoder trained (or
/// resumed from a checkpoint's weights and step), evaluated on fixed crops of separate test photos against the
/// mean-training-image baseline, and saved with its manifest and mean image.
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
        if (o.FeatureCacheSamples < 0)
            throw new ArgumentOutOfRangeException(
                nameof(o),
                o.FeatureCacheSamples,
                "The feature cache size (FeatureCacheSamples) must be 0 (none) or positive."
            );
        if (o.FeatureCacheSamples > 0 && !(o.FeatureReuse >= 1))
            throw new ArgumentOutOfRangeException(
                nameof(o),
                o.FeatureReuse,
                "Feature reuse (FeatureReuse) must be at least 1."
            );
        if (o.FeatureCacheSamples > 0 && (o.Autoencoder || o.Representation.Kind == RepresentationKind.CnnLayer))
            throw new ArgumentException(
                $"A feature cache is for hand-designed representations; {o.Representation}'s features are computed "
                    + $"per batch on the training device."
            );
        var device = TorchDevices.Resolve(o.Training.Device);
        var spec = DecoderArchitecture.For(o.Representation, o.ImageSize, o.Width);
        log?.WriteLine(
            $"decoder {o.Representation} {o.ImageSize}px width {o.Width}: {spec.Layers.Count} layers "
                + $"({DecoderArchitecture.TableOf(o.Representation.Decoder)}), {spec.Parameters:N0} parameters, input "
                + $"{spec.Input}, on {device.type}"
        );

        using var trainPool = PhotoPool.Open(
            o.TrainDirectory,
            CropSampler.PoolSide(o.ImageSize),
            o.CacheDirectory,
            log: log
        );
        List<string> testPhotos;
        FeatureDataset test;
        using (var sampler = new CropSampler(o.TestDirectory, o.ImageSize, o.CacheDirectory))
        {
            testPhotos = sampler.Files.Select(f => Path.GetFileNameWithoutExtension(f)).ToList();
            test = FeatureDataset.Build(o.Representation, sampler.Evaluation(o.TestCropsPerPhoto));
        }
        var photoOfCrop = Enumerable.Range(0, test.Count).Select(i => testPhotos[i / o.TestCropsPerPhoto]).ToList();
        var meanImage = Evaluation.MeanImage(trainPool, o.ImageSize);
        log?.WriteLine(
            "data: "
                + (
                    o.FeatureCacheSamples > 0
                        ? "random crops (features cached on disk)"
                        : "fresh random crops every step"
                )
                + $" of {trainPool.Count} training photos; {test.Count} test crops of {testPhotos.Count} photos"
        );

        int startStep = 0;
        DecoderNetwork network;
        if (o.ResumeFrom is not null)
        {
            DecoderManifest previous;
            (network, previous) = DecoderCheckpoint.Load(o.ResumeFrom, registry, o.Representation.Name);
            if (network.Spec.ImageSize != o.ImageSize || network.Spec.Width != o.Width)
                throw new InvalidDataException(
                    $"{o.ResumeFrom}: checkpoint is {previous.ImageSize}px width {previous.Width}, run asks "
                        + $"{o.ImageSize}px width {o.Width}."
                );
            startStep = previous.Training?.Steps ?? 0;
            log?.WriteLine(
                $"resuming from {o.ResumeFrom} at step {startStep} (weights, schedule and crop stream; Adam moments "
                    + $"restart)"
            );
        }
        else
        {
            torch.random.manual_seed(o.Training.Seed);
            network = new DecoderNetwork(spec);
        }
        network.to(device); // weights are initialised on the CPU (same seeds, same start on every device), then moved

        using (network)
        {
            string testData =
                $"{test.Count} crops ({o.TestCropsPerPhoto} per photo) of {testPhotos.Count} photos in "
                + $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(o.TestDirectory))}";
            double loss,
                seconds;
            int steps;
            EvaluationRecord evaluation;
            ITrainableEncoder? encoderToSave = null;
            var settings = new Dictionary<string, string>();
            string dataKind = "fresh random crops";
            int? lastCheckpoint = null;
            DecoderManifest Manifest(int steps, double seconds, double loss, EvaluationRecord? evaluation) =>
                new()
                {
                    Version =
                        $"{o.Representation}-{o.ImageSize}px-w{o.Width:0.###}{(o.Autoencoder ? "-ae" : "")}"
                        + $"-{DateTimeOffset.UtcNow:yyyyMMddTHHmmssZ}",
                    RepresentationSettings = settings,
                    CreatedUtc = DateTimeOffset.UtcNow,
                    Training = new TrainingRecord
                    {
                        Data =
                            $"{dataKind} of {trainPool.Count} photos in "
                            + $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(o.TrainDirectory))} (colour "
                            + $"jitter {o.ColorJitter:0.##})"
                            + (
                                evaluation is null
                                    ? $"; periodic checkpoint at step {steps} of {o.Training.Steps}, not evaluated"
                                    : ""
                            ),
                        TrainPhotos = trainPool.Count,
                        Samples = steps * o.Training.BatchSize,
                        Steps = steps,
                        BatchSize = o.Training.BatchSize,
                        LearningRate = o.Training.LearningRate,
                        Seed = o.Training.Seed,
                        Seconds = Math.Round(seconds, 1),
                        FinalLoss = loss,
                    },
                    Evaluation = evaluation,
                };
            var probe = o.Representation.Create();
            try
            {
                if (o.Autoencoder)
                {
                    if (probe is not ITrainableEncoding trainable)
                        throw new ArgumentException(
                            $"--autoencoder needs a representation whose encoder can be trained (resnet18-…), not "
                                + $"'{o.Representation}'."
                        );
                    if (o.ResumeFrom is not null)
                        throw new ArgumentException("--autoencoder runs cannot be resumed.");
                    var encoder = trainable.CreateTrainable(device);
                    using var stream = new StreamingBatches(
                        trainPool,
                        null,
                        o.ImageSize,
                        o.Training.BatchSize,
                        o.Training.Seed,
                        o.ColorJitter,
                        o.LoaderThreads
                    );
                    (loss, steps, seconds) = AutoencoderTrainer.Train(
                        network,
                        encoder,
                        stream,
                        test,
                        o.Training,
                        progress,
                        cancel
                    );
                    evaluation = AutoencoderTrainer.Evaluate(network, encoder, test, meanImage, testData, photoOfCrop);
                    encoderToSave = encoder;
                    settings[DecoderCheckpoint.EncoderSetting] =
                        $"autoencoder: ResNet18 fine-tuned jointly, weights in {AutoencoderCheckpoint.EncoderFileName}";
                }
                else
                {
                    // CNN layers are computed from the batch on the training device; hand-designed features by the
                    // loader threads.
                    using var encoder = (probe as IBatchEncodable)?.CreateEncoder(device);
                    using var stream =
                        o.FeatureCacheSamples > 0
                            ? StreamingBatches.FromCache(
                                FeatureShardCache.Open(
                                    o.CacheDirectory,
                                    trainPool,
                                    o.Representation,
                                    o.ImageSize,
                                    o.Training.Seed,
                                    o.ColorJitter,
                                    o.FeatureCacheSamples
                                ),
                                o.Training.BatchSize,
                                o.FeatureReuse,
                                o.LoaderThreads,
                                firstBatch: startStep
                            )
                            : new StreamingBatches(
                                trainPool,
                                encoder is null ? o.Representation : null,
                                o.ImageSize,
                                o.Training.BatchSize,
                                o.Training.Seed,
                                o.ColorJitter,
                                o.LoaderThreads,
                                firstBatch: startStep
                            );
                    if (stream.FeatureCache is { } cache)
                    {
                        var (_, found) = stream.CachedSampleCount;
                        log?.WriteLine(
                            $"loader: feature cache of {cache.Capacity:N0} samples in {cache.Folder} ({found:N0} on "
                                + $"disk at start, {stream.CacheBuilders} builder thread(s), each crop used "
                                + $"~{o.FeatureReuse:0.##}x while it grows)"
                        );
                        dataKind =
                            $"random crops from a feature cache of {cache.Capacity:N0} samples (reuse "
                            + $"{o.FeatureReuse:0.##} while growing)";
                    }
                    else
                        log?.WriteLine(
                            $"loader: {stream.Producers} thread(s)"
                                + (encoder is null ? "" : $", {o.Representation} encoded per batch on {device.type}")
                        );
                    (loss, steps, seconds) = DecoderTrainer.Train(
                        network,
                        stream,
                        test,
                        o.Training,
                        startStep,
                        encoder,
                        progress,
                        at =>
                        {
                            // Only finite weights are saved, so the folder always holds the last finite state.
                            if (DecoderTrainer.NonFiniteParameter(network) is { } bad)
                                throw new NonFiniteTrainingException(at.Steps, $"parameter {bad} is not finite");
                            DecoderCheckpoint.Save(
                                network,
                                Manifest(at.Steps, at.Seconds, at.Loss, null),
                                o.OutputDirectory,
                                meanImage
                            );
                            lastCheckpoint = at.Steps;
                            log?.WriteLine($"checkpoint at step {at.Steps} -> {o.OutputDirectory}");
                        },
                        cancel
                    );
                    evaluation = DecoderTrainer.Evaluate(network, test, meanImage, testData, photoOfCrop);
                }
            }
            catch (NonFiniteTrainingException e)
            {
                string kept =
                    lastCheckpoint is { } at
                        ? $"the last finite checkpoint (step {at}) is in {o.OutputDirectory}; continue with --resume "
                            + $"{o.OutputDirectory}"
                    : o.ResumeFrom is not null ? $"nothing was saved after the resumed checkpoint {o.ResumeFrom}"
                    : "no checkpoint was written before it";
                throw new NonFiniteTrainingException(
                    e.Step,
                    e.Reason,
                    $"training stopped at step {e.Step}: {e.Reason} (kernels: "
                        + $"{Decoders.Platform.TorchKernels.Current}); {kept}"
                );
            }
            finally
            {
                probe.Dispose();
            }
            if (DecoderTrainer.NonFiniteParameter(network) is { } nonFinite)
                throw new NonFiniteTrainingException(steps, $"parameter {nonFinite} is not finite");
            DecoderCheckpoint.Save(network, Manifest(steps, seconds, loss, evaluation), o.OutputDirectory, meanImage);
            if (encoderToSave is not null)
            {
                encoderToSave.Network.save(Path.Combine(o.OutputDirectory, AutoencoderCheckpoint.EncoderFileName));
                encoderToSave.Dispose();
            }
            return DecoderManifest.Read(o.OutputDirectory);
        }
    }
}
