using System.Text.Json.Serialization;

namespace FeatureInversion.Pipeline;

/// <summary>Where a reconstruction job, or an upload's jobs together, stand. Written to JSON (results API, batch
/// reports) and printed as the lower-case names below.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobStatus>))]
public enum JobStatus
{
    /// <summary>Queued or running, within <c>StalledAfterMinutes</c> of ingestion.</summary>
    [JsonStringEnumMemberName("pending")]
    Pending,

    /// <summary>Still without a result or failure record past <c>StalledAfterMinutes</c> (the gallery's
    /// options).</summary>
    [JsonStringEnumMemberName("stalled")]
    Stalled,

    /// <summary>Reconstruction and metrics written.</summary>
    [JsonStringEnumMemberName("done")]
    Done,

    /// <summary>A failure record says why (or the upload was refused).</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,
}

/// <summary>What ingestion made of an upload.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<UploadStatus>))]
public enum UploadStatus
{
    [JsonStringEnumMemberName("accepted")]
    Accepted,

    [JsonStringEnumMemberName("refused")]
    Refused,
}

public static class StatusNames
{
    /// <summary>The name a status has in JSON and on the command line ("done", "refused", …).</summary>
    public static string Name(this JobStatus status) =>
        status switch
        {
            JobStatus.Pending => "pending",
            JobStatus.Stalled => "stalled",
            JobStatus.Done => "done",
            _ => "failed",
        };

    public static string Name(this UploadStatus status) => status == UploadStatus.Accepted ? "accepted" : "refused";
}
