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

    /// <summary>For an uploaded feature file: what it held; the row has no original, so nothing is scored.</summary>
    public string? FeatureFile { get; init; }
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
}
