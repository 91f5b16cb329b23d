using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Logging;

namespace FeatureInversion.Pipeline.Queues;

/// <summary>
/// Turns every dead-lettered job into a failure record with the queue's reason, so no job stays pending because it
/// left the queue without one: the broker moved it after its max delivery count (a worker that crashed on it every
/// time), or the worker dead-lettered it but could not write its own record (a full disk, storage throttling). A
/// job whose result or failure record exists already is left as it is. A write that fails throws, and the
/// dead-letter source keeps the letter for another attempt.
/// </summary>
public sealed class DeadLetterRecorder(
    IBlobStore store,
    IResultEvents results,
    StorageOptions storage,
    ILogger<DeadLetterRecorder> logger
) : IDeadLetterHandler
{
    public async Task HandleAsync(DeadLetter letter, CancellationToken ct)
    {
        ReconstructionJob job;
        try
        {
            job = ReconstructionJob.Parse(letter.Body);
        }
        catch (InvalidJobException e)
        {
            logger.LogError(
                "Dead letter that is no reconstruction job ({Reason}); dropped: {Error}",
                letter.Reason,
                e.Message
            );
            return;
        }
        string failure = BlobNames.JobFailure(job.Batch, job.ImageId, job.DecoderVersion);
        if (
            await store.ExistsAsync(
                storage.ResultsContainer,
                BlobNames.Metrics(job.Batch, job.ImageId, job.DecoderVersion),
                ct
            ) || await store.ExistsAsync(storage.ResultsContainer, failure, ct)
        )
            return;
        var record = new FailureRecord
        {
            Source = job.ImageBlob,
            JobId = job.JobId,
            DeliveryCount = letter.DeliveryCount,
            FailedUtc = DateTimeOffset.UtcNow,
            Error = $"dead-lettered after {letter.DeliveryCount} deliveries: {letter.Reason}",
        };
        await store.WriteAsync(
            storage.ResultsContainer,
            failure,
            PipelineJson.Serialize(record),
            ContentTypes.Json,
            overwrite: false,
            ct
        );
        logger.LogWarning(
            "Job {JobId} recorded as failed from the dead-letter queue: {Reason}",
            job.JobId,
            letter.Reason
        );
        results.ResultRecorded(job.Batch);
    }
}
