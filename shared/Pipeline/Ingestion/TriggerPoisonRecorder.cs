using System.Text.Json;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Logging;

namespace FeatureInversion.Pipeline.Ingestion;

/// <summary>
/// Records an upload the blob trigger gave up on. After 5 failed attempts the Functions host parks the blob's receipt
/// in the <c>webjobs-blobtrigger-poison</c> queue of the blob's account (Azure Functions blob trigger, "poison
/// blobs": a JSON message with <c>ContainerName</c>, <c>BlobName</c>, <c>FunctionId</c>, <c>ETag</c>); without a
/// consumer the image would show as pending for ever. This writes it a failed ingestion record with the reason, unless
/// ingestion recorded the image after all. A write that fails throws, so the message is delivered again.
/// </summary>
public sealed class TriggerPoisonRecorder(
    IBlobStore store,
    StorageOptions storage,
    ILogger<TriggerPoisonRecorder> logger
)
{
    /// <summary>The queue the Functions host parks failed blobs in (the blob trigger's fixed name).</summary>
    public const string QueueName = "webjobs-blobtrigger-poison";

    private sealed record PoisonMessage(string? ContainerName, string? BlobName, string? FunctionId);

    /// <summary>Records the upload the message names; returns the image blob, or null for a message that names no
    /// upload of the images container (logged and dropped: retrying it cannot help).</summary>
    public async Task<string?> RecordAsync(string message, CancellationToken ct = default)
    {
        PoisonMessage? poison;
        try
        {
            poison = JsonSerializer.Deserialize<PoisonMessage>(message);
        }
        catch (JsonException e)
        {
            logger.LogError("Blob trigger poison message that is not JSON; dropped: {Error}", e.Message);
            return null;
        }
        if (poison is not { BlobName: { Length: > 0 } blob } || poison.ContainerName != storage.ImagesContainer)
        {
            logger.LogError(
                "Blob trigger poison message for no image upload ({Container}/{Blob}); dropped",
                poison?.ContainerName,
                poison?.BlobName
            );
            return null;
        }
        IngestionRecord record = RefusedUpload.Now(
            blob,
            $"{blob}: ingestion failed 5 times ({poison.FunctionId ?? "blob trigger"}; the function app's logs say "
                + "why); upload the file again to retry."
        );
        // Not over a record ingestion wrote: a later attempt may have succeeded.
        bool written = await store.WriteAsync(
            storage.ResultsContainer,
            BlobNames.Ingestion(blob),
            PipelineJson.Serialize(record),
            ContentTypes.Json,
            overwrite: false,
            ct
        );
        if (written)
            logger.LogWarning("Upload {Blob} recorded as failed: the blob trigger gave up on it", blob);
        return blob;
    }
}
