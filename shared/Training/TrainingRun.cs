using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Features;
using FeatureInversion.Models;
using FeatureInversion.Onnx;
using FeatureInversion.Training.Data;
using TorchSharp;

namespace FeatureInversion.Training;

/// <summary>
/// The phases of <see cref="TrainingJob.Run"/>: validate the options, load the data (training pool, fixed test crops,
/// mean image), build or resume the network, train it (a fixed encoder's decoder with periodic checkpoints, or an
/// autoencoder), then check and save the result. Holds what the phases share; disposes the pool.
/// </summary>
internal sealed class TrainingRun : IDisposable
{
    private readonly TrainingJobOptions _o;
    private readonly IProgress<TrainingProgress>? _progress;
    private readonly TextWriter? _log;
    private readonly CancellationToken _cancel;
    private readonly torch.Device _device;
    private readonly Dictionary<string, string> _settings = [];
    private PhotoPool? _pool;
    private FeatureDataset _test = null!;
    private List<string> _testPhotos = [];
    private List<string> _photoOfCrop = [];
    private float[] _meanImage = [];
    private string _dataKind = "fresh random crops";
    private int? _lastCheckpoint;

    public TrainingRun(
        TrainingJobOptions o,
        IProgress<TrainingProgress>? progress,
        TextWriter? log,
        CancellationToken cancel
    )
    {
        (_o, _progress, _log, _cancel) = (o, progress, log, cancel);
        _device = TorchDevices.Resolve(o.Training.Device);
        TorchDevices.AllowTf32(_device, o.Training.AllowTf32);
    }

    private PhotoPool Pool => _pool ?? throw new InvalidOperationException("the data is not loaded");

    public static void Validate(TrainingJobOptions o)
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
    }

    public DecoderManifest Execute(RepresentationRegistry registry)
    {
        var spec = DecoderArchitecture.For(_o.Representation, _o.ImageSize, _o.Width);
        _log?.WriteLine(
            $"decoder {_o.Representation} {_o.ImageSize}px width {_o.Width}: {spec.Layers.Count} layers "
                + $"({DecoderArchitecture.TableOf(_o.Representation.Decoder)}), {spec.Parameters:N0} parameters, "
                + $"input {spec.Input}, on {_device.type}"
        );
        LoadData();
        var (network, startStep) = CreateOrResume(registry, spec);
        using (network)
        {
            var (loss, steps, seconds, evaluation, encoder) = Train(network, startStep);
            using (encoder)
                return Save(network, encoder, Manifest(steps, seconds, loss, evaluation));
        }
    }

    /// <summary>The training pool, the fixed test crops with their photos, and the mean training image.</summary>
    private void LoadData()
    {
        _pool = PhotoPool.Open(_o.TrainDirectory, CropSampler.PoolSide(_o.ImageSize), _o.CacheDirectory, log: _log);
        using (var sampler = new CropSampler(_o.TestDirectory, _o.ImageSize, _o.CacheDirectory))
        {
            _testPhotos = sampler.Files.Select(f => Path.GetFileNameWithoutExtension(f)).ToList();
            _test = FeatureDataset.Build(_o.Representation, sampler.Evaluation(_o.TestCropsPerPhoto));
        }
        _photoOfCrop = Enumerable.Range(0, _test.Count).Select(i => _testPhotos[i / _o.TestCropsPerPhoto]).ToList();
        _meanImage = Evaluation.MeanImage(Pool, _o.ImageSize);
        _log?.WriteLine(
            "data: "
                + (
                    _o.FeatureCacheSamples > 0
                        ? "random crops (features cached on disk)"
                        : "fresh random crops every step"
                )
                + $" of {Pool.Count} training photos; {_test.Count} test crops of {_testPhotos.Count} photos"
        );
    }

    /// <summary>A fresh network (seeded), or the checkpoint's weights and step when resuming; on the device.</summary>
    private (DecoderNetwork Network, int StartStep) CreateOrResume(RepresentationRegistry registry, DecoderSpec spec)
    {
        int startStep = 0;
        DecoderNetwork network;
        if (_o.ResumeFrom is not null)
        {
            DecoderManifest previous;
            (network, previous) = DecoderCheckpoint.Load(_o.ResumeFrom, registry, _o.Representation.Name);
            if (network.Spec.ImageSize != _o.ImageSize || network.Spec.Width != _o.Width)
            {
                network.Dispose();
                throw new InvalidDataException(
                    $"{_o.ResumeFrom}: checkpoint is {previous.ImageSize}px width {previous.Width}, run asks "
                        + $"{_o.ImageSize}px width {_o.Width}."
                );
            }
            startStep = previous.Training?.Steps ?? 0;
            _log?.WriteLine(
                $"resuming from {_o.ResumeFrom} at step {startStep} (weights, schedule and crop stream; Adam moments "
                    + $"restart)"
            );
        }
        else
        {
            torch.random.manual_seed(_o.Training.Seed);
            network = new DecoderNetwork(spec);
        }
        network.to(_device); // weights are initialised on the CPU (same seeds, same start on every device), then moved
        return (network, startStep);
    }

    /// <summary>Trains and evaluates; a non-finite step stops it with where the last finite checkpoint is.</summary>
    private (double Loss, int Steps, double Seconds, EvaluationRecord Evaluation, ITrainableEncoder? Encoder) Train(
        DecoderNetwork network,
        int startStep
    )
    {
        using var probe = _o.Representation.Create();
        try
        {
            return _o.Autoencoder
                ? TrainAutoencoder(network, probe)
                : TrainFixedEncoder(network, probe as IBatchEncodable, startStep);
        }
        catch (NonFiniteTrainingException e)
        {
            string kept =
                _lastCheckpoint is { } at
                    ? $"the last finite checkpoint (step {at}) is in {_o.OutputDirectory}; continue with --resume "
                        + $"{_o.OutputDirectory}"
                : _o.ResumeFrom is not null ? $"nothing was saved after the resumed checkpoint {_o.ResumeFrom}"
                : "no checkpoint was written before it";
            throw new NonFiniteTrainingException(
                e.Step,
                e.Reason,
                $"training stopped at step {e.Step}: {e.Reason} (kernels: "
                    + $"{Decoders.Platform.TorchKernels.Current}); {kept}"
            );
        }
    }

    /// <summary>Paper §5.2: the decoder trained jointly with the encoder, unfrozen.</summary>
    private (double, int, double, EvaluationRecord, ITrainableEncoder?) TrainAutoencoder(
        DecoderNetwork network,
        IFeatureRepresentation probe
    )
    {
        if (probe is not ITrainableEncoding trainable)
            throw new ArgumentException(
                $"--autoencoder needs a representation whose encoder can be trained (resnet18-…), not "
                    + $"'{_o.Representation}'."
            );
        if (_o.ResumeFrom is not null)
            throw new ArgumentException("--autoencoder runs cannot be resumed.");
        var encoder = trainable.CreateTrainable(_device);
        try
        {
            using var stream = new StreamingBatches(
                Pool,
                null,
                _o.ImageSize,
                _o.Training.BatchSize,
                _o.Training.Seed,
                _o.Augmentation,
                _o.LoaderThreads
            );
            var (loss, steps, seconds) = AutoencoderTrainer.Train(
                network,
                encoder,
                stream,
                _test,
                _o.Training,
                _progress,
                _cancel
            );
            var evaluation = Evaluation.WithSources(
                AutoencoderTrainer.Evaluate(network, encoder, _test, _meanImage, TestData(), _photoOfCrop),
                _o.TestDirectory
            );
            _settings[DecoderCheckpoint.EncoderSetting] =
                $"autoencoder: ResNet18 fine-tuned jointly, weights in {AutoencoderCheckpoint.EncoderFileName}";
            return (loss, steps, seconds, evaluation, encoder);
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>A decoder for fixed features: CNN layers computed from the batch on the training device (by
    /// <paramref name="encodable"/>), hand-designed features by the loader threads or read from the feature cache;
    /// a checkpoint saved periodically, only while every weight is finite.</summary>
    private (double, int, double, EvaluationRecord, ITrainableEncoder?) TrainFixedEncoder(
        DecoderNetwork network,
        IBatchEncodable? encodable,
        int startStep
    )
    {
        using var encoder = encodable?.CreateEncoder(_device);
        using var stream = OpenStream(encoder is null, startStep);
        if (stream.FeatureCache is { } cache)
        {
            var (_, found) = stream.CachedSampleCount;
            _log?.WriteLine(
                $"loader: feature cache of {cache.Capacity:N0} samples in {cache.Folder} ({found:N0} on disk at "
                    + $"start, {stream.CacheBuilders} builder thread(s), each crop used ~{_o.FeatureReuse:0.##}x while "
                    + $"it grows)"
            );
            _dataKind =
                $"random crops from a feature cache of {cache.Capacity:N0} samples (reuse {_o.FeatureReuse:0.##} "
                + $"while growing)";
        }
        else
            _log?.WriteLine(
                $"loader: {stream.Producers} thread(s)"
                    + (encoder is null ? "" : $", {_o.Representation} encoded per batch on {_device.type}")
            );
        _log?.WriteLine(DecoderTrainer.CheckTrainingKernels(network));
        var (loss, steps, seconds) = DecoderTrainer.Train(
            network,
            stream,
            _test,
            _o.Training,
            startStep,
            encoder,
            _progress,
            at => SaveCheckpoint(network, at),
            _cancel
        );
        var evaluation = Evaluation.WithSources(
            DecoderTrainer.Evaluate(network, _test, _meanImage, TestData(), _photoOfCrop),
            _o.TestDirectory
        );
        return (loss, steps, seconds, evaluation, null);
    }

    /// <summary>Fresh random crops (features by the loader threads unless <paramref name="computeFeatures"/> is
    /// false: the encoder computes them per batch), or crops from the on-disk feature cache.</summary>
    private StreamingBatches OpenStream(bool computeFeatures, int startStep) =>
        _o.FeatureCacheSamples > 0
            ? StreamingBatches.FromCache(
                FeatureShardCache.Open(
                    _o.CacheDirectory,
                    Pool,
                    _o.Representation,
                    _o.ImageSize,
                    _o.Training.Seed,
                    _o.Augmentation,
                    _o.FeatureCacheSamples
                ),
                _o.Training.BatchSize,
                _o.FeatureReuse,
                _o.LoaderThreads,
                firstBatch: startStep
            )
            : new StreamingBatches(
                Pool,
                computeFeatures ? _o.Representation : null,
                _o.ImageSize,
                _o.Training.BatchSize,
                _o.Training.Seed,
                _o.Augmentation,
                _o.LoaderThreads,
                firstBatch: startStep
            );

    /// <summary>Only finite weights are saved, so the folder always holds the last finite state.</summary>
    private void SaveCheckpoint(DecoderNetwork network, TrainingCheckpoint at)
    {
        if (DecoderTrainer.NonFiniteParameter(network) is { } bad)
            throw new NonFiniteTrainingException(at.Steps, $"parameter {bad} is not finite");
        DecoderCheckpoint.Save(
            network,
            Manifest(at.Steps, at.Seconds, at.Loss, null),
            _o.OutputDirectory,
            _meanImage,
            _o.HalfPartBytes
        );
        _lastCheckpoint = at.Steps;
        _log?.WriteLine($"checkpoint at step {at.Steps} -> {_o.OutputDirectory}");
    }

    /// <summary>The final weights (finite, or the run fails), manifest, mean image and an autoencoder's
    /// encoder.</summary>
    private DecoderManifest Save(DecoderNetwork network, ITrainableEncoder? encoder, DecoderManifest manifest)
    {
        if (DecoderTrainer.NonFiniteParameter(network) is { } nonFinite)
            throw new NonFiniteTrainingException(manifest.Training!.Steps, $"parameter {nonFinite} is not finite");
        DecoderCheckpoint.Save(network, manifest, _o.OutputDirectory, _meanImage, _o.HalfPartBytes);
        encoder?.Network.save(Path.Combine(_o.OutputDirectory, AutoencoderCheckpoint.EncoderFileName));
        return DecoderManifest.Read(_o.OutputDirectory);
    }

    private string TestData() =>
        Evaluation.TestData(_test.Count, _o.TestCropsPerPhoto, _testPhotos.Count, _o.TestDirectory);

    private DecoderManifest Manifest(int steps, double seconds, double loss, EvaluationRecord? evaluation) =>
        new()
        {
            Version =
                $"{_o.Representation}-{_o.ImageSize}px-w{_o.Width:0.###}{(_o.Autoencoder ? "-ae" : "")}"
                + $"-{DateTimeOffset.UtcNow:yyyyMMddTHHmmssZ}",
            RepresentationSettings = _settings,
            CreatedUtc = DateTimeOffset.UtcNow,
            Training = new TrainingRecord
            {
                Data =
                    $"{_dataKind} of {Pool.Count} photos in "
                    + $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(_o.TrainDirectory))} "
                    + $"({_o.Augmentation.Describe()})"
                    + (
                        evaluation is null
                            ? $"; periodic checkpoint at step {steps} of {_o.Training.Steps}, not evaluated"
                            : ""
                    ),
                TrainPhotos = Pool.Count,
                Samples = steps * _o.Training.BatchSize,
                Steps = steps,
                BatchSize = _o.Training.BatchSize,
                LearningRate = _o.Training.LearningRate,
                Seed = _o.Training.Seed,
                Seconds = Math.Round(seconds, 1),
                FinalLoss = loss,
            },
            Evaluation = evaluation,
        };

    public void Dispose() => _pool?.Dispose();
}
