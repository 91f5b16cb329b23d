namespace FeatureInversion.Pipeline.Queues;

/// <summary>Sends reconstruction jobs (the function app's side of the queue).</summary>
public interface IJobQueue
{
    Task EnqueueAsync(ReconstructionJob job, CancellationToken ct = default);
}

/// <summary>
/// Delivers jobs to a handler until cancelled (the worker's side). Every delivery ends explicitly: completed,
/// returned for another attempt, or dead-lettered with a reason. A delivery whose handler never finishes (the
/// worker stopped) is not completed, so the queue delivers it again.
/// </summary>
public interface IJobSource
{
    Task RunAsync(IJobHandler handler, CancellationToken ct);
}

/// <summary>Handles one delivered message body; the delivery count starts at 1.</summary>
public interface IJobHandler
{
    Task<JobOutcome> HandleAsync(string body, int deliveryCount, CancellationToken ct);
}

public enum JobDisposition
{
    Complete,
    Retry,
    DeadLetter,
}

/// <summary>What to do with a delivered message.</summary>
public readonly record struct JobOutcome(JobDisposition Disposition, string? Reason = null)
{
    public static JobOutcome Completed { get; } = new(JobDisposition.Complete);

    public static JobOutcome Retry(string reason) => new(JobDisposition.Retry, reason);

    public static JobOutcome DeadLetter(string reason) => new(JobDisposition.DeadLetter, reason);
}
