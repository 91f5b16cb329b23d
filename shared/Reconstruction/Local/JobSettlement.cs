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
            await DropSettledAsync(pending, unrecordedSettled: true, ct);
            if (pending.Count == 0)
                return;
            await Task.Delay(PollInterval, ct);
        }
    }

    /// <summary>How often a run's progress is read.</summary>
    public static TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Reports how many of <paramref name="uploads"/> have no pending job, every
    /// <see cref="ProgressInterval"/>, until cancelled (then once more). Read through the results API, as a user would
    /// poll; only the uploads still pending are read again. Runs from ingestion on, so an upload not yet recorded is
    /// pending.</summary>
    public async Task WatchAsync(IReadOnlyList<string> uploads, IProgress<int> settled, CancellationToken ct)
    {
        var pending = new HashSet<string>(uploads, StringComparer.Ordinal);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(ProgressInterval, ct);
                await DropSettledAsync(pending, unrecordedSettled: false, CancellationToken.None);
                settled.Report(uploads.Count - pending.Count);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        await DropSettledAsync(pending, unrecordedSettled: false, CancellationToken.None);
        settled.Report(uploads.Count - pending.Count);
    }

    /// <summary>Drops from <paramref name="pending"/> the uploads none of whose jobs is pending. An upload without a
    /// record is settled for the wait (it starts after ingestion: such an upload was never accepted) and pending for
    /// the progress (ingestion may not have reached it).</summary>
    private async Task DropSettledAsync(HashSet<string> pending, bool unrecordedSettled, CancellationToken ct)
    {
        foreach (var blob in pending.ToList())
        {
            var status = (await results.GetAsync(blob, ct))?.Status;
            if (status is null ? unrecordedSettled : status != JobStatus.Pending)
                pending.Remove(blob);
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
