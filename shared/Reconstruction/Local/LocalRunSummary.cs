using FeatureInversion.Pipeline.Gallery;

namespace FeatureInversion.Reconstruction.Local;

/// <summary>Summary of a local pipeline run.</summary>
/// <remarks><c>UploadSeconds</c>: copying the files into the images container (the user's part); <c>Seconds</c>: from
/// the first trigger to the last result and the gallery (the pipeline's part). <c>IngestionErrors</c>: files whose
/// ingestion itself kept failing (storage down, disk full) after the trigger's retries, with the last error.</remarks>
public sealed record LocalRunSummary(
    int Uploaded,
    int Refused,
    int Results,
    int Failed,
    double UploadSeconds,
    double Seconds,
    string Gallery,
    IReadOnlyList<ImageStatus> Images,
    IReadOnlyDictionary<string, string> IngestionErrors
);
