using System.Collections.Concurrent;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Ingestion;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Logging;

namespace FeatureInversion.Reconstruction.Local;

/// <summary>What the trigger shim did: uploads ingestion refused, and blobs whose ingestion kept failing, with the last
/// error.</summary>
public sealed record TriggerOutcome(int Refused, IReadOnlyDictionary<string, string> Errors);

/// <summary>
/// The function app's blob trigger (<c>ImageUploadedFunction</c>) in this process, where Core Tools cannot host it:
/// for each uploaded blob it opens the blob and calls the same <see cref="IngestionService.IngestAsync(string, Stream,
/// CancellationToken)"/>, <see cref="Concurrency"/> at a time (host.json's blobs <c>maxDegreeOfParallelism</c>), each
/// blob on its own. A failing call is retried as the Functions host retries a trigger, <see cref="Attempts"/> times
/// with the pipeline's <see cref="RetryPolicy"/>, then reported; it never stops the others.
/// </summary>
public sealed class IngestionTrigger(
    IBlobStore store,
    IngestionService ingestion,
    StorageOptions storage,
    QueueOptions queue,
    ILogger<IngestionTrigger> logger
)
{
    /// <summary>Attempts per upload, as the Functions host tries a failing blob trigger before giving up on
    /// it.</summary>
    public const int Attempts = 5;

    /// <summary>Blobs handled at once, as host.json lets the function app.</summary>
    public const int Concurrency = 4;

    /// <summary>Fires the trigger for each blob of the images container in <paramref name="blobs"/>.</summary>
    public async Task<TriggerOutcome> FireAsync(IReadOnlyList<string> blobs, CancellationToken ct)
    {
        var errors = new ConcurrentDictionary<string, string>();
        int refused = 0;
        var retry = RetryPolicy
            .From(queue)
            .Retrying(
                Attempts,
                _ => true,
                (e, attempt) =>
                    logger.LogWarning(
                        e,
                        "Ingestion failed (attempt {Attempt} of {Attempts}); retrying",
                        attempt,
                        Attempts
                    )
            );
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = ct };
        await Parallel.ForEachAsync(blobs, parallel, async (blob, token) =>
        {
            int attempts = 0;
            try
            {
                var record = await retry.ExecuteAsync(
                    async t =>
                    {
                        attempts++;
                        await using var stream = await store.TryOpenReadAsync(storage.ImagesContainer, blob, t)
                            ?? throw new FileNotFoundException($"blob '{blob}' is gone");
                        return await ingestion.IngestAsync(blob, stream, t);
                    },
                    token
                );
                if (record is RefusedUpload)
                    Interlocked.Increment(ref refused);
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                errors[blob] = $"ingestion failed {attempts} times, last: {e.Message}";
                logger.LogError(e, "Ingestion of {Blob} failed {Attempts} times; given up", blob, attempts);
            }
        });
        return new TriggerOutcome(refused, errors);
    }
}
