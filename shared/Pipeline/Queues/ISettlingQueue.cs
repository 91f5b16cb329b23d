namespace FeatureInversion.Pipeline.Queues;

/// <summary>
/// A job source that knows when every job sent to it has ended: completed, or dead-lettered and the letter handed to
/// a dead-letter handler (the in-process queue). The local mode waits on it; other queues are watched through the
/// jobs' results.
/// </summary>
public interface ISettlingQueue
{
    /// <summary>Completes when no job is waiting, running, backing off or dead-lettered without its letter
    /// handled.</summary>
    Task WhenSettledAsync(CancellationToken ct = default);

    /// <summary>Every dead-lettered message body with its reason, handled or not.</summary>
    IReadOnlyCollection<(string Body, string Reason)> DeadLetters { get; }
}
