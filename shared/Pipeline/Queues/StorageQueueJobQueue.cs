using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace FeatureInversion.Pipeline.Queues;

/// <summary>
/// Jobs on an Azure Storage queue (Azurite locally). A received message stays invisible for the visibility timeout,
/// renewed while its job runs; completing deletes it; a retry makes it visible again after a short back-off; a worker
/// that stops mid-job leaves it to reappear when the timeout ends. Dead letters go to <c>{queue}-poison</c> with the
/// reason, as the Functions storage-queue trigger does; as an <see cref="IDeadLetterSource"/> it hands them on and
/// deletes each once handled. Storage queues have no duplicate detection: the worker's create-only result writes make a
/// duplicate delivery harmless. The dequeue count is the service's, so a worker that crashes mid-job still counts the
/// delivery.
/// </summary>
public sealed class StorageQueueJobQueue(
    QueueClient queue,
    QueueClient poison,
    TimeSpan visibilityTimeout,
    int concurrency = 16,
    RetryPolicy? retry = null
) : IJobQueue, IJobSource, IDeadLetterSource, IProvisionedQueue
{
    private readonly RetryPolicy _retry = retry ?? new RetryPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    public QueueClient Queue { get; } = queue;
    public QueueClient Poison { get; } = poison;
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a running job's message is kept invisible at most (as Service Bus's lock renewal limit), so a
    /// handler that hangs gives its message back instead of holding it for ever.</summary>
    public TimeSpan MaxRenewal { get; init; } = TimeSpan.FromMinutes(30);

    public static StorageQueueJobQueue Create(
        QueueServiceClient service,
        string queueName,
        TimeSpan visibilityTimeout,
        int concurrency = 16,
        RetryPolicy? retry = null
    ) =>
        new(
            service.GetQueueClient(queueName),
            service.GetQueueClient(queueName + "-poison"),
            visibilityTimeout,
            concurrency,
            retry
        );

    public async Task EnsureCreatedAsync(CancellationToken ct = default)
    {
        await Queue.CreateIfNotExistsAsync(cancellationToken: ct);
        await Poison.CreateIfNotExistsAsync(cancellationToken: ct);
    }

    public Task EnqueueAsync(ReconstructionJob job, CancellationToken ct = default) =>
        Queue.SendMessageAsync(job.ToJson(), ct);

    /// <summary>Called with every failure of the receive loop or of settling (the loop backs off and goes
    /// on).</summary>
    public Action<string, Exception>? OnError { get; set; }

    public async Task RunAsync(IJobHandler handler, CancellationToken ct)
    {
        // Slots, not a scan of the running tasks: a worker must never stop receiving, whatever finishes when.
        using var slots = new DeliverySlots(concurrency);
        int failures = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await slots.WaitAsync(ct);
                int free = 1 + slots.TakeFree(Math.Min(concurrency, 32) - 1);
                QueueMessage[] messages;
                try
                {
                    messages = (await Queue.ReceiveMessagesAsync(free, visibilityTimeout, ct)).Value;
                    failures = 0;
                }
                catch (Exception e)
                {
                    slots.Release(free);
                    if (ct.IsCancellationRequested)
                        throw;
                    // A transient storage failure must not end the loop (the host would go on without a consumer).
                    OnError?.Invoke($"receiving from {Queue.Name}", e);
                    await Task.Delay(_retry.Delay(++failures), ct);
                    continue;
                }
                slots.Release(free - messages.Length);
                if (messages.Length == 0)
                {
                    await Task.Delay(PollInterval, ct);
                    continue;
                }
                foreach (var message in messages)
                    slots.Run(() => DeliverAsync(handler, message, ct));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        await slots.DrainAsync();
    }

    private async Task DeliverAsync(IJobHandler handler, QueueMessage message, CancellationToken ct)
    {
        // While the handler runs, the message's invisibility is renewed every half timeout (as Service Bus renews its
        // lock), so a job slower than the timeout is not handed to a second worker; a worker that dies stops renewing
        // and the message reappears. Each renewal returns a new pop receipt, which settling must use.
        string receipt = message.PopReceipt;
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var renewal = Task.Run(
            async () =>
            {
                try
                {
                    for (var until = DateTime.UtcNow + MaxRenewal; DateTime.UtcNow < until; )
                    {
                        await Task.Delay(visibilityTimeout / 2, renewing.Token);
                        var updated = await Queue.UpdateMessageAsync(
                            message.MessageId,
                            Volatile.Read(ref receipt),
                            visibilityTimeout: visibilityTimeout,
                            cancellationToken: renewing.Token
                        );
                        Volatile.Write(ref receipt, updated.Value.PopReceipt);
                    }
                }
                catch (OperationCanceledException) { }
                catch (Azure.RequestFailedException) { } // the message is gone or was taken over: nothing left to renew
            },
            CancellationToken.None
        );
        JobOutcome outcome;
        try
        {
            outcome = await handler.HandleAsync(message.Body.ToString(), (int)message.DequeueCount, ct);
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            return; // stopped mid-job: not completed, so the message reappears after its visibility timeout
        }
        catch (Exception e)
        {
            outcome = JobOutcome.Retry(e.Message);
        }
        finally
        {
            renewing.Cancel();
            await renewal;
        }
        // Settling must not be cut short by shutdown once the result is written.
        try
        {
            switch (outcome.Disposition)
            {
                case JobDisposition.Complete:
                    await Queue.DeleteMessageAsync(message.MessageId, receipt, CancellationToken.None);
                    break;
                case JobDisposition.DeadLetter:
                    string record = JsonSerializer.Serialize(
                        new
                        {
                            reason = outcome.Reason,
                            deliveryCount = message.DequeueCount,
                            body = message.Body.ToString(),
                        }
                    );
                    await Poison.SendMessageAsync(record, CancellationToken.None);
                    await Queue.DeleteMessageAsync(message.MessageId, receipt, CancellationToken.None);
                    break;
                default:
                    await Queue.UpdateMessageAsync(
                        message.MessageId,
                        receipt,
                        visibilityTimeout: _retry.Delay((int)message.DequeueCount),
                        cancellationToken: CancellationToken.None
                    );
                    break;
            }
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            // Our receipt expired and another worker holds the message now: it will settle it (results are
            // create-only).
        }
        catch (Exception e)
        {
            // Not settled: the message reappears after its visibility timeout and the next delivery settles it.
            OnError?.Invoke($"settling message {message.MessageId} ({outcome.Disposition})", e);
        }
    }

    /// <summary>Reads the poison queue: each message (ours: reason, delivery count and body as JSON; anything else is
    /// taken as a body) goes to <paramref name="handler"/>, then is deleted; a handler failure leaves it for
    /// later.</summary>
    public async Task RunAsync(IDeadLetterHandler handler, CancellationToken ct)
    {
        int failures = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                QueueMessage[] messages;
                try
                {
                    messages = (await Poison.ReceiveMessagesAsync(32, visibilityTimeout, ct)).Value;
                    failures = 0;
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    OnError?.Invoke($"receiving from {Poison.Name}", e);
                    await Task.Delay(_retry.Delay(++failures), ct);
                    continue;
                }
                if (messages.Length == 0)
                {
                    await Task.Delay(PollInterval * 4, ct);
                    continue;
                }
                foreach (var message in messages)
                {
                    try
                    {
                        await handler.HandleAsync(ParsePoison(message), ct);
                        await Poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
                    }
                    catch (Exception e) when (!ct.IsCancellationRequested)
                    {
                        // Stays (visible again after the timeout); handled letters are idempotent records.
                        OnError?.Invoke($"handling dead letter {message.MessageId}", e);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    private static DeadLetter ParsePoison(QueueMessage message)
    {
        string text = message.Body.ToString();
        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            if (
                root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("body", out var body)
                && body.ValueKind == JsonValueKind.String
            )
            {
                string reason =
                    root.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String
                        ? r.GetString()!
                        : "moved to the poison queue";
                int count =
                    root.TryGetProperty("deliveryCount", out var c) && c.TryGetInt32(out int n)
                        ? n
                        : (int)message.DequeueCount;
                return new DeadLetter(body.GetString()!, reason, count);
            }
        }
        catch (JsonException) { }
        return new DeadLetter(text, "moved to the poison queue", (int)message.DequeueCount);
    }
}
