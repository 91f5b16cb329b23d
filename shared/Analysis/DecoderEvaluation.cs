using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Features;
using FeatureInversion.Imaging;
using FeatureInversion.Models;
using FeatureInversion.Training;
using FeatureInversion.Training.Data;

namespace FeatureInversion.Analysis;

/// <summary>Result of evaluating a decoder on a folder of test photographs: the paper's error with its baseline (the
/// mean training image predicted for every crop), PSNR, SSIM, the colour gain and the errors per photo and per
/// crop.</summary>
public sealed record EvaluationReport(
    string Decoder,
    string Representation,
    int DecoderSize,
    int EvaluationSize,
    int TestImages,
    double NormalizedError,
    double Psnr,
    double Ssim,
    double? MeanImageBaselineError,
    double ColorGain,
    IReadOnlyList<PhotoError> PerPhoto,
    IReadOnlyList<double> PerImageError
)
{
    /// <summary>Crops whose reconstruction was not finite: left out of every figure above, listed here (empty when
    /// none).</summary>
    public IReadOnlyList<FailedCrop> FailedCrops { get; init; } = [];

    /// <summary>The colour gain the targets' own chroma would give on the reconstructions' luminance (<see
    /// cref="ReconstructionMetrics.TrueChromaGain"/>).</summary>
    public double? TrueChromaGain { get; init; }

    /// <summary>The colour gain of the mean training image's chroma on the reconstructions' luminance.</summary>
    public double? MeanImageChromaGain { get; init; }

    /// <summary>The kernels libtorch ran the convolutions with (docs/platform.md).</summary>
    public string? Kernels { get; init; }

    /// <summary>Errors per source, when the test folder's photos are listed in a <see cref="PhotoSources"/> table
    /// (cross-source ones first).</summary>
    public IReadOnlyList<SourceError>? PerSource { get; init; }

    /// <summary>The error over the crops of photos from sources training never saw, and over the others (null where
    /// there are none).</summary>
    public double? CrossSourceError { get; init; }
    public double? SameSourceError { get; init; }

    /// <summary>The same evaluation as a manifest stores it (<c>evaluate --record</c>), with its cross- and
    /// same-source errors.</summary>
    public EvaluationRecord? Record { get; init; }
}

/// <summary>A test crop that could not be evaluated: its index among the crops, its photo and why.</summary>
public sealed record FailedCrop(int Index, string Photo, string Reason);

/// <summary>
/// Evaluates a decoder as in the paper: test crops of separate photographs at the evaluation size are the targets;
/// features are computed on the crop resized to the decoder's size; where the decoder predicts a smaller image
/// its output is upsampled bilinearly to the evaluation size before comparing.
/// </summary>
public static class DecoderEvaluation
{
    public static (
        EvaluationReport Report,
        List<ColorImage> Targets,
        List<ColorImage> Reconstructions,
        List<FeatureMap> Features
    ) Run(
        DecoderNetwork network,
        DecoderManifest manifest,
        string testDirectory,
        int perPhoto = 10,
        int? evaluationSize = null,
        float[]? meanImage = null,
        IProgress<int>? progress = null
    )
    {
        int size = network.Spec.ImageSize;
        int evalSize = evaluationSize ?? size;
        var (allTargets, allPhotos, allFeatures) = TestSet(
            network.Spec.Representation,
            testDirectory,
            size,
            perPhoto,
            evalSize,
            progress: progress
        );
        var decoded = DecoderInference.DecodeEach(network, allFeatures, evalSize);
        // A non-finite reconstruction is a failed crop, reported, never averaged into a figure.
        var ok = Enumerable.Range(0, decoded.Count).Where(i => decoded[i] is not null).ToList();
        var failed = Enumerable
            .Range(0, decoded.Count)
            .Where(i => decoded[i] is null)
            .Select(i => new FailedCrop(i, allPhotos[i], "reconstruction not finite (NaN or infinite)"))
            .ToList();
        if (ok.Count == 0)
            throw NonFiniteOutputException.For(failed.Select(f => f.Index).ToList(), decoded.Count);
        var targets = ok.Select(i => allTargets[i]).ToList();
        var photos = ok.Select(i => allPhotos[i]).ToList();
        var features = ok.Select(i => allFeatures[i]).ToList();
        var reconstructions = ok.Select(i => decoded[i]!).ToList();

        var t = targets.Select(i => i.Planes).ToList();
        var r = reconstructions.Select(i => i.Planes).ToList();
        if (meanImage is not null && meanImage.Length != t[0].Length)
            throw new ArgumentException("Mean image does not have the evaluation size.");
        string data = Evaluation.TestData(t.Count, perPhoto, photos.Distinct().Count(), testDirectory);
        var record = Evaluation.WithSources(Evaluation.Record(t, r, evalSize, meanImage, data, photos), testDirectory);
        double norm = record.MeanPairwiseDistance;
        var report = new EvaluationReport(
            manifest.Version,
            network.Spec.Representation.Name,
            size,
            evalSize,
            t.Count,
            record.NormalizedError,
            record.Psnr,
            record.Ssim,
            meanImage is null ? null : record.MeanImageBaselineError,
            record.ColorGain,
            record.PerPhoto!,
            t.Zip(r).Select(p => ReconstructionMetrics.Distance(p.First, p.Second) / norm).ToList()
        )
        {
            FailedCrops = failed,
            TrueChromaGain = record.TrueChromaGain,
            MeanImageChromaGain = record.MeanImageChromaGain,
            Kernels = Decoders.Platform.TorchKernels.Current.ToString(),
            Record = record,
        };
        if (PhotoSources.Find(testDirectory) is { } sources)
        {
            var perSource = Evaluation.PerSource(report.PerPhoto, sources);
            var (cross, same) = Evaluation.CrossAndSame(perSource);
            report = report with { PerSource = perSource, CrossSourceError = cross, SameSourceError = same };
        }
        return (report, targets, reconstructions, features);
    }

    /// <summary>How many test crops <see cref="TestSet"/> makes of a folder (the units its progress counts).</summary>
    public static int CropCount(string testDirectory, int perPhoto) =>
        Training.Data.PhotoPool.ListPhotos(testDirectory).Count * perPhoto;

    /// <summary>
    /// The test crops of a folder as every evaluation here uses them: <paramref name="perPhoto"/> crops per photograph
    /// at <paramref name="evaluationSize"/> (the targets), the photo each crop comes from, and the representation's
    /// features of each crop at the decoder's <paramref name="size"/> (resized first when the evaluation size is
    /// larger). With <paramref name="encoder"/> (an autoencoder's fine-tuned one, <see cref="AutoencoderCheckpoint"/>)
    /// the features are that encoder's, computed in batches on <paramref name="device"/>, instead of the
    /// representation's.
    /// </summary>
    public static (List<ColorImage> Targets, List<string> PhotoOfCrop, List<FeatureMap> Features) TestSet(
        RepresentationDescriptor representation,
        string testDirectory,
        int size,
        int perPhoto,
        int? evaluationSize = null,
        Onnx.IBatchEncoder? encoder = null,
        TorchSharp.torch.Device? device = null,
        IProgress<int>? progress = null
    )
    {
        int evalSize = evaluationSize ?? size;
        if (evalSize < size)
            throw new ArgumentException($"Evaluation size {evalSize} is smaller than the decoder's {size}.");
        List<ColorImage> targets;
        List<string> photos;
        using (var sampler = new CropSampler(testDirectory, evalSize))
        {
            targets = sampler.Evaluation(perPhoto);
            photos = sampler.Files.Select(f => Path.GetFileNameWithoutExtension(f)).ToList();
        }
        var inputs = evalSize == size ? targets : targets.Select(t => ImageFiles.Resize(t, size, size)).ToList();
        var photoOfCrop = Enumerable.Range(0, targets.Count).Select(i => photos[i / perPhoto]).ToList();
        if (encoder is not null)
            return (targets, photoOfCrop, Encode(encoder, inputs, device ?? TorchSharp.torch.CPU, progress));
        using var extractor = representation.Create();
        var features = new List<FeatureMap>(inputs.Count);
        foreach (var input in inputs) // the slow part (SIFT: a detector run per crop); reported per crop
        {
            features.Add(extractor.Extract(input));
            progress?.Report(features.Count);
        }
        return (targets, photoOfCrop, features);
    }

    /// <summary>Features of colour images through a batch encoder, 64 images at a time.</summary>
    private static List<FeatureMap> Encode(
        Onnx.IBatchEncoder encoder,
        List<ColorImage> images,
        TorchSharp.torch.Device device,
        IProgress<int>? progress
    )
    {
        const int batch = 64;
        int size = images[0].Width;
        var features = new List<FeatureMap>(images.Count);
        for (int start = 0; start < images.Count; start += batch)
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            var chunk = images.Skip(start).Take(batch).ToList();
            var rgb = TorchSharp
                .torch.tensor(chunk.SelectMany(i => i.Planes).ToArray(), [chunk.Count, 3, size, size])
                .to(device);
            var y = encoder.Encode(rgb).cpu().contiguous();
            var shape = new FeatureShape((int)y.shape[1], (int)y.shape[2], (int)y.shape[3]);
            var data = y.data<float>().ToArray();
            for (int i = 0; i < chunk.Count; i++)
                features.Add(new FeatureMap(shape, data.AsSpan(i * shape.Length, shape.Length).ToArray()));
            progress?.Report(features.Count);
        }
        return features;
    }
}
