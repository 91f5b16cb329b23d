namespace FeatureInversion.Pipeline.Queues;

/// <summary>A message the queue gave up on: its body, the reason (the worker's, or the broker's such as
/// <c>MaxDeliveryCountExceeded</c>) and how often it was delivered.</summary>
public sealed record DeadLetter(string Body, string Reason, int DeliveryCount);

/// <summary>Hands dead-lettered messages to a handler until cancelled: the Service Bus dead-letter sub-queue, the
/// storage queue's <c>-poison</c> queue, the in-process list. A letter is removed only after its handler
/// returns.</summary>
public interface IDeadLetterSource
{
    Task RunAsync(IDeadLetterHandler handler, CancellationToken ct);
}

public interface IDeadLetterHandler
{
    Task HandleAsync(DeadLetter letter, CancellationToken ct);
}
