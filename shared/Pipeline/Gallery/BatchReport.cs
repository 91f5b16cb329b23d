namespace FeatureInversion.Pipeline.Gallery;

/// <summary>
/// A batch's results as auditors read them (stored as <see cref="BlobNames.BatchReport"/>, served by the batch API,
/// rendered by <see cref="GalleryHtml"/>): a summary per representation and one row per upload, ranked by how much the
/// image's features reveal (<see cref="ImageRow.Reveal"/>, highest first). Errors are the paper's normalised error
/// ‖x − f(Φ(x))‖₂ / N: lower is better; the baseline is the same error for the decoder's mean training image.
/// Blob names are relative to the results container; the API turns them into per-blob read URLs.
/// </summary>
public sealed record BatchReport
{
    public required string Batch { get; init; }
    public DateTimeOffset UpdatedUtc { get; init; }
    public int Uploads { get; init; }
    public int Refused { get; init; }
    public List<RepresentationSummary> Representations { get; init; } = [];

    /// <summary>Every upload, most revealing first (<see cref="Ranking.Reveal"/>); refused uploads last.</summary>
    public List<ImageRow> Rows { get; init; } = [];
}

/// <summary>
/// One representation over the batch. <see cref="MeanBaselineError"/> is the mean of the per-image mean-image errors
/// of the same results (or the decoder's test-set baseline when its version has no published mean image);
/// <see cref="BeatBaseline"/> counts results closer to their image than the mean image is.
/// </summary>
public sealed record RepresentationSummary
{
    public required string Representation { get; init; }
    public List<string> DecoderVersions { get; init; } = [];
    public int Done { get; init; }
    public int Failed { get; init; }
    public int Pending { get; init; }
    public double? MeanError { get; init; }
    public double? MeanBaselineError { get; init; }
    public int BeatBaseline { get; init; }

    /// <summary>Results that have a baseline to compare with (the denominator of <see cref="BeatBaseline"/>).</summary>
    public int Compared { get; init; }

    /// <summary>Mean colour gain of the results ((‖x − gray(f)‖ − ‖x − f‖) / N; positive when the predicted colour
    /// helps).</summary>
    public double? MeanColorGain { get; init; }

    /// <summary>The decoder's error and mean-image baseline on its fixed test set (from its manifest; the newest
    /// version's).</summary>
    public double? TestSetError { get; init; }
    public double? TestSetBaselineError { get; init; }

    /// <summary>Whether the whole reconstructions pick their photo out of the batch's; null with fewer than two
    /// candidate photos or no scored whole result.</summary>
    public Reidentification? Reidentification { get; init; }

    /// <summary>Mean of the whole results' ‖x − f‖ ÷ ‖x − m‖ (below 1: more than the mean image tells).</summary>
    public double? MeanWholeErrorRatio { get; init; }
}

/// <summary>
/// Re-identification over a batch (<see cref="Imaging.ImageSignature"/>): each whole reconstruction is compared with
/// every photo of the batch (<see cref="Candidates"/>: uploaded photos and originals beside feature files, one per
/// content) by the correlation of 32 × 32 grayscale thumbnails; <see cref="Top1"/> of <see cref="Ranked"/> picked
/// their own photo first, against 1 in <see cref="Candidates"/> by chance.
/// </summary>
public sealed record Reidentification
{
    public const string Measure = "32 × 32 grayscale correlation";
    public int Candidates { get; init; }
    public int Ranked { get; init; }
    public int Top1 { get; init; }
    public int Top5 { get; init; }

    /// <summary>The verdict in plain words: "9 of 10 images re-identified … (chance: 1 in 10)".</summary>
    public string Verdict(string representation) =>
        $"{Top1} of {Ranked} images re-identified among the batch's {Candidates} photos from their {representation} "
        + $"reconstruction (top-1 by {Measure}; chance: 1 in {Candidates}); {Top5} in the top 5 (chance: "
        + $"{Math.Min(5, Candidates)} in {Candidates}).";
}

/// <summary>One upload: its thumbnail and one cell per representation (or why it was refused).</summary>
public sealed record ImageRow
{
    public required string ImageBlob { get; init; }
    public string? ImageId { get; init; }
    public required UploadStatus Status { get; init; }
    public string? Error { get; init; }
    public int Width { get; init; }
    public int Height { get; init; }
    public string? Thumbnail { get; init; }

    /// <summary>For an uploaded feature file: what it held; scored only against an image uploaded beside it
    /// (<see cref="Original"/>).</summary>
    public string? FeatureFile { get; init; }

    /// <summary>For a feature file: the image uploaded beside it that its results are scored against.</summary>
    public string? Original { get; init; }
    public DateTimeOffset IngestedUtc { get; init; }

    /// <summary><see cref="Ranking.RevealDefinition"/>: 1 − the lowest error ÷ baseline over its finished results (1 −
    /// the error alone where no baseline is known); the higher, the more the features reveal. Null until a result
    /// exists.</summary>
    public double? Reveal { get; init; }
    public List<ResultCell> Results { get; init; } = [];
}

/// <summary>One representation's result for one image.</summary>
public sealed record ResultCell
{
    public required string Representation { get; init; }
    public required string DecoderVersion { get; init; }

    /// <summary><see cref="JobStatus.Done"/>, <see cref="JobStatus.Failed"/> or <see cref="JobStatus.Pending"/>
    /// (shown as stalled after <see cref="StalledAfterUtc"/>).</summary>
    public required JobStatus Status { get; init; }
    public double? NormalizedError { get; init; }

    /// <summary>This image's mean-image error, or the decoder's test-set baseline (<see cref="BaselineIsPerImage"/>
    /// false).</summary>
    public double? BaselineError { get; init; }
    public bool BaselineIsPerImage { get; init; }

    /// <summary>The reconstruction is no closer to the image than the baseline: it shows nothing the mean image does
    /// not.</summary>
    public bool WorseThanBaseline { get; init; }
    public double? ColorGain { get; init; }
    public double? Psnr { get; init; }
    public double? Ssim { get; init; }

    /// <summary>The decoder's input-sized view of the photo (its centre square at the decoder's size).</summary>
    public string? Original { get; init; }
    public int ImageSize { get; init; }
    public string? Reconstruction { get; init; }
    public string? FeatureEnergy { get; init; }

    /// <summary>What the feature view shows (<see cref="ResultMetrics.FeatureView"/>).</summary>
    public string? FeatureView { get; init; }
    public string? Metrics { get; init; }
    public string? Error { get; init; }
    public DateTimeOffset? StalledAfterUtc { get; init; }

    /// <summary>The whole image decoded (<see cref="ResultMetrics.Whole"/>), with its rank among the batch's
    /// photos.</summary>
    public WholeCell? Whole { get; init; }
}

/// <summary>A result's whole image: reconstruction, the photo at its size (when known), the error as a ratio to the
/// mean image's, SSIM, and the true photo's <see cref="Rank"/> among <see cref="Candidates"/> (1:
/// re-identified).</summary>
public sealed record WholeCell
{
    public required string Reconstruction { get; init; }
    public string? Original { get; init; }
    public int Width { get; init; }
    public int Height { get; init; }
    public double? ErrorRatio { get; init; }
    public double? Ssim { get; init; }
    public int? Rank { get; init; }
    public int? Candidates { get; init; }
}
