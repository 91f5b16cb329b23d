using System.Text.Json;
using System.Text.Json.Serialization;

namespace FeatureInversion.Pipeline;

/// <summary>
/// A reconstruction job as carried by the queue: references to blobs (claim-check), never feature arrays, so a
/// message stays far below Service Bus's 256 KB limit whatever the representation.
/// </summary>
public sealed record ReconstructionJob
{
    public required string JobId { get; init; }
    public required string ImageBlob { get; init; }
    public required string ImageId { get; init; }
    public required string Batch { get; init; }
    public required string Representation { get; init; }
    public required string DecoderVersion { get; init; }

    /// <summary>Blob in the features container holding the float32 .npy array the decoder inverts.</summary>
    public required string FeaturesBlob { get; init; }

    /// <summary>The features are a whole map of any size from an uploaded feature file: decoded whole, with no original
    /// to score against.</summary>
    public bool WholeMap { get; init; }

    /// <summary>For a photo: the features of the whole photo at the decoder's working resolution (features
    /// container), decoded whole beside the centre square.</summary>
    public string? WholeFeaturesBlob { get; init; }

    /// <summary>For a photo: the whole photo at that resolution (results container), which the whole reconstruction is
    /// scored against.</summary>
    public string? WholeOriginalBlob { get; init; }

    /// <summary>For a feature file: the image uploaded beside it (same base name; images container), which its
    /// reconstruction is scored against. Null: nothing to score against.</summary>
    public string? OriginalUpload { get; init; }
    public DateTimeOffset EnqueuedUtc { get; init; }

    /// <summary>W3C trace context of the ingestion that queued the job; the worker's span continues that
    /// trace.</summary>
    public string? TraceParent { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses a message body; a malformed or incomplete body raises <see
    /// cref="InvalidJobException"/>.</summary>
    public static ReconstructionJob Parse(string body)
    {
        try
        {
            var job = JsonSerializer.Deserialize<ReconstructionJob>(body, Json)
                ?? throw new InvalidJobException("empty job message");
            foreach (
                var (name, value) in new[]
                {
                    ("jobId", job.JobId),
                    ("imageBlob", job.ImageBlob),
                    ("imageId", job.ImageId),
                    ("batch", job.Batch),
                    ("representation", job.Representation),
                    ("decoderVersion", job.DecoderVersion),
                    ("featuresBlob", job.FeaturesBlob),
                }
            )
            {
                if (string.IsNullOrWhiteSpace(value))
                    throw new InvalidJobException($"job message has an empty '{name}'");
            }
            return job;
        }
        catch (JsonException e)
        {
            throw new InvalidJobException($"job message is not a reconstruction job: {e.Message}");
        }
    }
}

/// <summary>A job that can never succeed (malformed message, unreadable features, unknown decoder): dead-letter
/// it.</summary>
public sealed class InvalidJobException(string message, Exception? inner = null) : Exception(message, inner);
