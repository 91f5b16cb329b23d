using System.Text.Json;
using System.Text.Json.Serialization;

namespace FeatureInversion.Pipeline;

/// <summary>Metrics written next to each reconstruction (the blob whose presence marks the result complete).</summary>
public sealed record ResultMetrics
{
    public required string JobId { get; init; }
    public required string ImageBlob { get; init; }
    public required string ImageId { get; init; }
    public required string Representation { get; init; }
    public required string DecoderVersion { get; init; }
    public required int ImageSize { get; init; }

    /// <summary>‖x − f(Φ(x))‖₂ / N for this image, N being the decoder's test-set mean pairwise distance.</summary>
    public double? NormalizedError { get; init; }

    /// <summary>‖x − f(Φ(x))‖₂; null, as every score against the image, for a feature file uploaded without its
    /// image.</summary>
    public double? Distance { get; init; }

    /// <summary>‖x − m‖₂ / N, m the decoder's mean training image: the per-image baseline (null when the version has no
    /// mean image). A reconstruction no closer than this tells nothing about the image that the mean image does
    /// not.</summary>
    public double? MeanImageError { get; init; }

    /// <summary>(‖x − gray(f)‖₂ − ‖x − f‖₂) / N: positive when the reconstruction's colour brings it closer than its
    /// own grayscale.</summary>
    public double? ColorGain { get; init; }
    public double? Psnr { get; init; }
    public double? Ssim { get; init; }
    public required string Reconstruction { get; init; }

    /// <summary>The decoder's view of the image scored against; null for an uploaded feature file (there is no
    /// original).</summary>
    public string? Original { get; init; }

    /// <summary>Energy view of the features (<see cref="BlobNames.FeatureEnergy"/>); absent in results written before
    /// it existed.</summary>
    public string? FeatureEnergy { get; init; }

    /// <summary>What that view shows: "energy", "contrast" or "channels" (<see cref="Features.FeatureViewKind"/>);
    /// absent in older results.</summary>
    public string? FeatureView { get; init; }

    /// <summary>The whole image: decoded from the whole photo's features beside the centre square's (a photo), or the
    /// feature file's reconstruction itself; scored against the whole photo when there is one. Absent in results
    /// written before it existed.</summary>
    public WholeResult? Whole { get; init; }
    public double DownloadMilliseconds { get; init; }
    public double DecodeMilliseconds { get; init; }
    public double UploadMilliseconds { get; init; }
    public int DeliveryCount { get; init; }
    public DateTimeOffset CompletedUtc { get; init; }

    /// <summary>The first metric that is not finite, or null. A record with one (written before workers checked) is a
    /// failed job, never a result: the report counts it as failed.</summary>
    public string? NonFiniteField() =>
        Distance is { } d && !double.IsFinite(d) ? nameof(Distance)
        : NormalizedError is { } e && !double.IsFinite(e) ? nameof(NormalizedError)
        : MeanImageError is { } m && !double.IsFinite(m) ? nameof(MeanImageError)
        : ColorGain is { } c && !double.IsFinite(c) ? nameof(ColorGain)
        : Psnr is { } p && !double.IsFinite(p) ? nameof(Psnr)
        : Ssim is { } s && !double.IsFinite(s) ? nameof(Ssim)
        : Whole?.ErrorRatio is { } r && !double.IsFinite(r) ? "Whole.ErrorRatio"
        : Whole?.Ssim is { } ws && !double.IsFinite(ws) ? "Whole.Ssim"
        : null;
}

/// <summary>
/// A whole-image result (<see cref="ResultMetrics.Whole"/>). The error is stated as a ratio, ‖x − f‖₂ ÷ ‖x − m‖₂ with m
/// the decoder's mean image resized to the same size: below 1 the reconstruction tells more about this image than "a
/// typical photo" does. The reconstruction's signature (<see cref="Imaging.ImageSignature"/>, 32 × 32 gray, base64)
/// lets the batch report re-identify it among the batch's photos; <see cref="OriginalImageId"/> (the content id of the
/// photo scored against) says which is the true one. A photo's signature is in its ingestion record; an original
/// uploaded beside a feature file has its own here (<see cref="OriginalSignature"/>), the same function of its
/// bytes.
/// </summary>
public sealed record WholeResult
{
    public required string Reconstruction { get; init; }
    public int Width { get; init; }
    public int Height { get; init; }

    /// <summary>The photo at the reconstruction's size; null when there is none (a feature file alone).</summary>
    public string? Original { get; init; }
    public string? OriginalImageId { get; init; }
    public double? ErrorRatio { get; init; }
    public double? Ssim { get; init; }
    public string? ReconstructionSignature { get; init; }
    public string? OriginalSignature { get; init; }
}

/// <summary>Why a job or an uploaded blob could not be processed.</summary>
public sealed record FailureRecord
{
    public required string Source { get; init; }
    public string? JobId { get; init; }
    public required string Error { get; init; }
    public int DeliveryCount { get; init; }
    public DateTimeOffset FailedUtc { get; init; }
}

/// <summary>
/// What ingestion decided for an uploaded blob: <see cref="AcceptedUpload"/> (its content id and jobs) or
/// <see cref="RefusedUpload"/> (why not). Stored as JSON with a <c>status</c> discriminator.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "status")]
[JsonDerivedType(typeof(AcceptedUpload), "accepted")]
[JsonDerivedType(typeof(RefusedUpload), "refused")]
[JsonDerivedType(typeof(ExpandedUpload), "expanded")]
public abstract record IngestionRecord
{
    public required string ImageBlob { get; init; }
    public required string Batch { get; init; }
    public DateTimeOffset IngestedUtc { get; init; }
}

/// <summary>An image that was decoded, its features stored and its jobs queued.</summary>
public sealed record AcceptedUpload : IngestionRecord
{
    /// <summary>Content id (<see cref="BlobNames.ImageId"/>): names every blob derived from the image.</summary>
    public required string ImageId { get; init; }
    public int Width { get; init; }
    public int Height { get; init; }
    public List<IngestedJob> Jobs { get; init; } = [];
    public List<string> Warnings { get; init; } = [];

    /// <summary>For an uploaded feature file instead of an image: what it held ("hog map 31 × 38 × 56"). Its jobs
    /// decode the whole map and nothing is scored: there is no original. Null for images.</summary>
    public string? FeatureFile { get; init; }

    /// <summary>For a feature file: the image uploaded beside it (same base name, present when the file was ingested)
    /// that its reconstructions are scored against; null when there is none.</summary>
    public string? Original { get; init; }

    /// <summary>For a photo: its re-identification signature (<see cref="Imaging.ImageSignature"/>, 32 × 32 gray,
    /// base64), which makes it a candidate the batch's whole reconstructions are compared with.</summary>
    public string? Signature { get; init; }
}

/// <summary>
/// An upload that holds several images (a COLMAP database): each became an upload of its own in the same batch
/// (<see cref="Items"/>, named <c>{file}--{image}</c>, with its own record, jobs and gallery row); images the file
/// holds but could not give are in <see cref="Warnings"/>.
/// </summary>
public sealed record ExpandedUpload : IngestionRecord
{
    public required string FeatureFile { get; init; }
    public List<string> Items { get; init; } = [];
    public List<string> Warnings { get; init; } = [];
}

/// <summary>An upload that is not processed (not an image, corrupt, too large, empty), with the reason.</summary>
public sealed record RefusedUpload : IngestionRecord
{
    public required string Error { get; init; }

    /// <summary>The record of an upload refused (or given up on) now, with <paramref name="error"/>.</summary>
    public static RefusedUpload Now(string imageBlob, string error) =>
        new()
        {
            ImageBlob = imageBlob,
            Batch = BlobNames.Batch(imageBlob),
            Error = error,
            IngestedUtc = DateTimeOffset.UtcNow,
        };
}

/// <summary>A queued job; a photo's also decodes the whole photo (<see cref="ReconstructionJob.WholeFeaturesBlob"/>,
/// <see cref="ReconstructionJob.WholeOriginalBlob"/>).</summary>
public sealed record IngestedJob(
    string JobId,
    string Representation,
    string DecoderVersion,
    string FeaturesBlob,
    string? WholeFeaturesBlob = null,
    string? WholeOriginalBlob = null
);

/// <summary>The JSON form of every record the pipeline stores (web defaults, indented, nulls omitted).</summary>
public static class PipelineJson
{
    /// <summary>Writing refuses NaN and ±∞ (System.Text.Json's default): no record the pipeline writes holds one;
    /// an unknown value is null.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reading still accepts "NaN"/"Infinity" strings, which records written before 2026-12 may hold (they are
    /// then failures).</summary>
    private static readonly JsonSerializerOptions ReadOptions = new(Options)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T Deserialize<T>(byte[] bytes) =>
        JsonSerializer.Deserialize<T>(bytes, ReadOptions) ?? throw new InvalidDataException($"empty {typeof(T).Name}");
}
