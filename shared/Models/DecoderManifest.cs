using System.Text.Json;
using System.Text.Json.Serialization;

namespace FeatureInversion.Models;

/// <summary>How a decoder was trained, as recorded next to its weights.</summary>
public sealed record TrainingRecord
{
    public string Data { get; init; } = "";
    public int TrainPhotos { get; init; }
    public int Samples { get; init; }
    public int Steps { get; init; }
    public int BatchSize { get; init; }
    public double LearningRate { get; init; }
    public int Seed { get; init; }
    public double Seconds { get; init; }
    public double FinalLoss { get; init; }
}

/// <summary>Measured test error of a decoder (see <c>Imaging.ReconstructionMetrics</c>).</summary>
public sealed record EvaluationRecord
{
    public string Data { get; init; } = "";
    public int TestImages { get; init; }
    public double NormalizedError { get; init; }
    public double MeanImageBaselineError { get; init; }

    /// <summary>N of the paper's metric: mean Euclidean distance between the test images (pixel values in [0, 1]);
    /// the pipeline divides a single image's error by it.</summary>
    public double MeanPairwiseDistance { get; init; }
    public double Psnr { get; init; }
    public double Ssim { get; init; }

    /// <summary>Error of the reconstructions' own grayscale minus their error: positive when predicted colour
    /// helps.</summary>
    public double ColorGain { get; init; }

    /// <summary>The colour gain the targets' own chroma would give on top of the reconstructions' luminance, which
    /// the colour gain is read against (issue 32); null in manifests written before it was recorded.</summary>
    public double? TrueChromaGain { get; init; }

    /// <summary>The colour gain of the mean training image's chroma on the reconstructions' luminance (the colour's
    /// trivial baseline); null without a mean image or in manifests written before it was recorded.</summary>
    public double? MeanImageChromaGain { get; init; }

    /// <summary>Normalised error per test photo (mean over its crops), in the order of the test folder.</summary>
    public List<PhotoError>? PerPhoto { get; init; }

    /// <summary>Crop-weighted error over the test photos from sources no training photo comes from, when the test
    /// folder's photos are listed in a sources table (issue 32); null otherwise.</summary>
    public double? CrossSourceError { get; init; }

    /// <summary>The same over test photos that share a source with training photos; null when there are none or no
    /// table.</summary>
    public double? SameSourceError { get; init; }
}

/// <summary>Normalised error of one test photo's crops.</summary>
public sealed record PhotoError(string Photo, int Crops, double NormalizedError);

/// <summary>The error over the test photos of one source (a Debian package for this project's photos); cross-source
/// when no training photo comes from it.</summary>
public sealed record SourceError(string Source, bool CrossSource, int Photos, int Crops, double NormalizedError);

/// <summary>
/// The manifest stored with decoder weights: which representation (and its settings) the decoder inverts,
/// the architecture parameters, how it was trained, its measured test error and the weights' digest.
/// </summary>
public sealed record DecoderManifest
{
    public const int CurrentFormat = 1;
    public const string FileName = "manifest.json";
    public const string WeightsFileName = "weights.dat";

    /// <summary>The index of weights saved in half precision in parts instead of <see cref="WeightsFileName"/> (a
    /// checkpoint brought back from a GPU machine; FeatureInversion.Decoders.HalfPrecisionWeights).</summary>
    public const string HalfWeightsIndexFileName = "weights-f16.json";

    /// <summary>Optional: the mean training image at the decoder's size, the baseline of the paper's Table 2.</summary>
    public const string MeanImageFileName = "mean-image.png";

    public int Format { get; init; } = CurrentFormat;
    public string Version { get; init; } = "";
    public string Representation { get; init; } = "";
    public Dictionary<string, string> RepresentationSettings { get; init; } = [];

    /// <summary><see cref="DecoderArchitecture.Revision"/> the weights were trained for (absent, so 0, before revision
    /// 2).</summary>
    public int Architecture { get; init; }
    public int ImageSize { get; init; }
    public double Width { get; init; }
    public long Parameters { get; init; }
    public string WeightsSha256 { get; init; } = "";
    public DateTimeOffset CreatedUtc { get; init; }
    public TrainingRecord? Training { get; init; }
    public EvaluationRecord? Evaluation { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The manifest's JSON settings (camel case, nulls left out), for tests of its parts.</summary>
    internal static JsonSerializerOptions JsonOptions => Json;

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static DecoderManifest FromJson(string json, string source = "manifest") =>
        JsonSerializer.Deserialize<DecoderManifest>(json, Json)
        ?? throw new InvalidDataException($"{source}: empty manifest.");

    /// <summary>Reads <c>manifest.json</c> of a checkpoint folder, refusing other formats and decoders built for
    /// another <see cref="DecoderArchitecture.Revision"/> (their weights do not fit today's layers).</summary>
    public static DecoderManifest Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            // A folder of checkpoints (models/, models/resnet18) is a common slip: name the checkpoints inside.
            var inside = Directory.Exists(directory)
                ? Directory
                    .EnumerateFiles(directory, FileName, SearchOption.AllDirectories)
                    .Select(f => Path.GetRelativePath(directory, Path.GetDirectoryName(f)!))
                    .Order(StringComparer.Ordinal)
                    .ToList()
                : [];
            throw new FileNotFoundException(
                inside.Count > 0
                    ? $"{directory}: a folder of decoder checkpoints, not one; name one of: "
                        + $"{string.Join(", ", inside.Select(i => Path.Combine(directory, i)))}"
                    : $"{directory}: no {FileName}; not a decoder checkpoint.",
                path
            );
        }
        var manifest = FromJson(File.ReadAllText(path), path);
        if (manifest.Format != CurrentFormat)
            throw new InvalidDataException(
                $"{path}: manifest format {manifest.Format}, this build reads {CurrentFormat}."
            );
        manifest.RequireCurrentArchitecture(path);
        return manifest;
    }

    /// <summary>Throws when the decoder was built for another architecture revision, naming what changed.</summary>
    public void RequireCurrentArchitecture(string source)
    {
        if (Architecture != DecoderArchitecture.Revision)
            throw new InvalidDataException(
                $"{source}: decoder built for architecture revision "
                    + $"{(Architecture == 0 ? "1 (before revisions were recorded)" : Architecture.ToString())}, this "
                    + $"build uses revision {DecoderArchitecture.Revision}: "
                    + $"{DecoderArchitecture.RevisionChange}. Its weights do not fit; retrain it (trainer `train`, or "
                    + $"scripts/train-cpu-decoders.sh)."
            );
    }
}
