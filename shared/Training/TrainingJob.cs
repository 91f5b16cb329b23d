using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Features;
using FeatureInversion.Models;
using FeatureInversion.Onnx;
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
    public int Samples { get; init; } = 20000;
    public int TestCropsPerPhoto { get; init; } = 10;

    /// <summary>Fraction of training crops whose chroma is randomly rotated and rescaled (0: none).</summary>
    public double ColorJitter { get; init; }
    /// <summary>Paper §5.2: train the decoder jointly with the (ResNet18) encoder unfrozen; saves encoder.dat too.</summary>
    public bool Autoencoder { get; init; }
    public string? CacheDirectory { get; init; }
    public string? ResumeFrom { get; init; }
    public TrainingOptions Training { get; init; } = new();
}

/// <summary>
/// One training run end to end, shared by the trainer command and the scheduled container job: seeded crops of the
/// training photos, features cached on disk, a decoder trained (or resumed from a checkpoint's weights and step),
/// evaluated on crops of separate test photos against the mean-image baseline, and saved with its manifest.
/// </summary>
public static class TrainingJob
{
    public static DecoderManifest Run(TrainingJobOptions o, RepresentationRegistry registry, IProgress<TrainingProgress>? progress = null, TextWriter? log = null, CancellationToken cancel = default)
    {
        var device = TorchDevices.Resolve(o.Training.Device);
        var spec = DecoderArchitecture.For(o.Representation, o.ImageSize, o.Width);
        log?.WriteLine($"decoder {o.Representation} {o.ImageSize}px width {o.Width}: {spec.Layers.Count} layers, input {spec.Input}, on {device.type}");

        FeatureDataset train, test;
        int trainPhotos;
        using (var sampler = new CropSampler(o.TrainDirectory))
        {
            trainPhotos = sampler.Files.Count;
            string key = $"train|{string.Join(",", sampler.Files.Select(f => Path.GetFileName(f) + ":" + new FileInfo(f).Length))}|{o.Training.Seed}|{o.ColorJitter}|{CropSampler.MinScale}|{CropSampler.WorkingSide}";
            train = FeatureDataset.Build(o.Representation, sampler.Random(o.Samples, o.ImageSize, o.Training.Seed, o.ColorJitter), o.CacheDirectory, key);
        }
        using (var sampler = new CropSampler(o.TestDirectory))
        {
            string key = $"test|{string.Join(",", sampler.Files.Select(f => Path.GetFileName(f) + ":" + new FileInfo(f).Length))}|{CropSampler.MinScale}|{CropSampler.WorkingSide}";
            test = FeatureDataset.Build(o.Representation, sampler.Evaluation(o.TestCropsPerPhoto, o.ImageSize), o.CacheDirectory, key);
        }
        log?.WriteLine($"data: {train.Count} training crops of {trainPhotos} photos, {test.Count} test crops");

        int startStep = 0;
        DecoderNetwork network;
        if (o.ResumeFrom is not null)
        {
            DecoderManifest previous;
            (network, previous) = DecoderCheckpoint.Load(o.ResumeFrom, registry, o.Representation.Name);
            if (network.Spec.ImageSize != o.ImageSize || network.Spec.Width != o.Width)
                throw new InvalidDataException($"{o.ResumeFrom}: checkpoint is {previous.ImageSize}px width {previous.Width}, run asks {o.ImageSize}px width {o.Width}.");
            startStep = previous.Training?.Steps ?? 0;
            log?.WriteLine($"resuming from {o.ResumeFrom} at step {startStep} (weights and schedule; Adam moments restart)");
        }
        else
        {
            TorchSharp.torch.random.manual_seed(o.Training.Seed);
            network = new DecoderNetwork(spec);
        }
        network.to(device); // weights are initialised on the CPU (same seeds, same start on every device), then moved

        using (network)
        {
            string testData = $"{test.Count} crops ({o.TestCropsPerPhoto} per photo) of {Path.GetFileName(Path.TrimEndingDirectorySeparator(o.TestDirectory))}";
            double loss, seconds;
            int steps;
            EvaluationRecord evaluation;
            OnnxNetwork? encoderToSave = null;
            var settings = new Dictionary<string, string>();
            if (o.Autoencoder)
            {
                if (o.Representation.Create() is not ResNet18Representation layer)
                    throw new ArgumentException($"--autoencoder needs a CNN layer (resnet18-…), not '{o.Representation}'.");
                if (o.ResumeFrom is not null) throw new ArgumentException("--autoencoder runs cannot be resumed.");
                var (encoder, mean) = ResNet18Representation.LoadTrainable();
                encoder.to(device);
                (loss, steps, seconds) = AutoencoderTrainer.Train(network, encoder, mean, layer, train, test, o.Training, progress, cancel);
                evaluation = AutoencoderTrainer.Evaluate(network, encoder, mean, layer, test, DecoderTrainer.MeanImage(train), testData);
                encoderToSave = encoder;
                settings[DecoderCheckpoint.EncoderSetting] = "autoencoder: ResNet18 fine-tuned jointly, weights in encoder.dat";
            }
            else
            {
                (loss, steps, seconds) = DecoderTrainer.Train(network, train, test, o.Training, startStep, progress, cancel);
                evaluation = DecoderTrainer.Evaluate(network, test, DecoderTrainer.MeanImage(train), testData);
            }
            var manifest = new DecoderManifest
            {
                Version = $"{o.Representation}-{o.ImageSize}px-w{o.Width:0.###}{(o.Autoencoder ? "-ae" : "")}-{DateTimeOffset.UtcNow:yyyyMMddTHHmmssZ}",
                RepresentationSettings = settings,
                CreatedUtc = DateTimeOffset.UtcNow,
                Training = new TrainingRecord
                {
                    Data = $"{train.Count} seeded crops of {trainPhotos} photos in {Path.GetFileName(Path.TrimEndingDirectorySeparator(o.TrainDirectory))}",
                    TrainPhotos = trainPhotos,
                    Samples = train.Count,
                    Steps = steps,
                    BatchSize = o.Training.BatchSize,
                    LearningRate = o.Training.LearningRate,
                    Seed = o.Training.Seed,
                    Seconds = Math.Round(seconds, 1),
                    FinalLoss = loss,
                },
                Evaluation = evaluation,
            };
            DecoderCheckpoint.Save(network, manifest, o.OutputDirectory);
            if (encoderToSave is not null)
            {
                encoderToSave.save(Path.Combine(o.OutputDirectory, "encoder.dat"));
                encoderToSave.Dispose();
            }
            return DecoderManifest.Read(o.OutputDirectory);
        }
    }
}
