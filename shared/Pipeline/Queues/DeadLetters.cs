namespace FeatureInversion.Pipeline.Queues;

/// <summary>A message the queue gave up on: its body, the reason (the worker's, or the broker's such as
/// <c>MaxDeliveryCountExceeded</c>) and how often it was delivered.</summary>
public sealed record DeadLetter(string Body, string Reason, int DeliveryCount);

/// <summary>Hands dead-lettered messages to a handler until cancelled: the Service Bus dead-letter sub-queue, the
/// storage queue's <c>-poison</c> queue, the in-process list. A letter is removed only after its handler returns.</summary>
public interface IDeadLetterSource
{
    Task RunAsync(IDeadLetterHandler handler, CancellationToken ct);
}

public interface IDeadLetterHandler
{
    Task HandleAsync(DeadLetter letter, CancellationToken ct);
}

/// <summary>How long a failed delivery waits before the next: doubling from <see cref="First"/> up to <see cref="Max"/>.</summary>
public sealed record RetryPolicy(TimeSpan First, TimeSpan Max)
{
    public static RetryPolicy From(PipelineOptions options) =>
        new(TimeSpan.FromMilliseconds(options.RetryDelayMilliseconds), TimeSpan.FromSeconds(options.MaxRetryDelaySeconds));

    /// <summary>The wait after delivery number <paramref name="deliveryCount"/> failed (1 → First, 2 → 2 × First, …).</summary>
    public TimeSpan Delay(int deliveryCount)
    {
        double ms = First.TotalMilliseconds * Math.Pow(2, Math.Clamp(deliveryCount - 1, 0, 30));
        return TimeSpan.FromMilliseconds(Math.Min(ms, Max.TotalMilliseconds));
    }
}
