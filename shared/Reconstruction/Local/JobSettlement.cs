using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Gallery;
using FeatureInversion.Pipeline.Queues;

namespace FeatureInversion.Reconstruction.Local;

/// <summary>
/// When a local run's jobs are over. A queue that knows (<see cref="ISettlingQueue"/>: the in-process one) is waited
/// on; nothing can change after it settles. Other queues (Azurite's storage queue) are watched through the uploads'
/// results until none is pending.
/// </summary>
public sealed class JobSettlement(JobQueuePair queues, ResultsQuery results)
{
    /// <summary>How often results are read while waiting on a queue that cannot say when it is done.</summary>
    public static TimeSpan PollInterval { get; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Waits until no job of <paramref name="imageBlobs"/> is pending; <paramref name="ct"/> ends the wait
    /// (the caller links it to the host's stopping, so a worker that dies does not leave it waiting).</summary>
    public async Task WaitAsync(IReadOnlyCollection<string> imageBlobs, CancellationToken ct)
    {
        if (queues.Source is ISettlingQueue settling)
        {
            await settling.WhenSettledAsync(ct);
            return;
        }
        var pending = new HashSet<string>(imageBlobs, StringComparer.Ordinal);
        while (true)
        {
            foreach (var blob in pending.ToList())
            {
                if ((await results.GetAsync(blob, ct))?.Status != JobStatus.Pending)
                    pending.Remove(blob);
            }
            if (pending.Count == 0)
                return;
            await Task.Delay(PollInterval, ct);
        }
    }

    /// <summary>
    /// An upload's status once the run is over. With a settled queue nothing can change any more: a job still
    /// without a result or a failure record is one whose records could not be stored (a full or failing disk); it
    /// is reported failed with its dead letter's reason, not left "pending" for ever. Elsewhere the status stands.
    /// </summary>
    public ImageStatus Final(ImageStatus status)
    {
        if (queues.Source is not ISettlingQueue settling || !status.Results.Any(r => r.Status == JobStatus.Pending))
            return status;
        string? reason = settling
            .DeadLetters.FirstOrDefault(d => d.Body.Contains(status.ImageId ?? "\0", StringComparison.Ordinal))
            .Reason;
        var settled = status
            .Results.Select(r =>
                r.Status != JobStatus.Pending
                    ? r
                    : r with
                    {
                        Status = JobStatus.Failed,
                        Error =
                            $"no result or failure record could be "
                            + $"stored{(reason is null ? "" : $" (last error: {reason})")}",
                    }
            )
            .ToList();
        return status with { Status = JobStatus.Failed, Results = settled };
    }
}
