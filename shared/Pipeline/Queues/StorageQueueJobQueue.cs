using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace FeatureInversion.Pipeline.Queues;

/// <summary>
/// Jobs on an Azure Storage queue (Azurite locally). A received message stays invisible for the visibility timeout;
/// completing deletes it; a retry makes it visible again after a short back-off; a worker that stops mid-job leaves
/// it to reappear when the timeout ends. Dead letters go to <c>{queue}-poison</c> with the reason, as the Functions
/// storage-queue trigger does. Storage queues have no duplicate detection: the worker's create-only result writes
/// make a duplicate delivery harmless.
/// </summary>
public sealed class StorageQueueJobQueue(QueueClient queue, QueueClient poison, TimeSpan visibilityTimeout, int concurrency = 16) : IJobQueue, IJobSource, IProvisionedQueue
{
    public QueueClient Queue { get; } = queue;
    public QueueClient Poison { get; } = poison;
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    public static StorageQueueJobQueue Create(QueueServiceClient service, string queueName, TimeSpan visibilityTimeout, int concurrency = 16) =>
        new(service.GetQueueClient(queueName), service.GetQueueClient(queueName + "-poison"), visibilityTimeout, concurrency);

    public async Task EnsureCreatedAsync(CancellationToken ct = default)
    {
        await Queue.CreateIfNotExistsAsync(cancellationToken: ct);
        await Poison.CreateIfNotExistsAsync(cancellationToken: ct);
    }

    public Task EnqueueAsync(ReconstructionJob job, CancellationToken ct = default) => Queue.SendMessageAsync(job.ToJson(), ct);

    public async Task RunAsync(IJobHandler handler, CancellationToken ct)
    {
        var running = new ConcurrentDictionary<Task, byte>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                int free = concurrency - running.Count;
                if (free <= 0) { await Task.WhenAny(running.Keys).WaitAsync(ct); continue; }
                QueueMessage[] messages = (await Queue.ReceiveMessagesAsync(Math.Min(free, 32), visibilityTimeout, ct)).Value;
                if (messages.Length == 0) { await Task.Delay(PollInterval, ct); continue; }
                foreach (var message in messages)
                {
                    var task = Task.Run(() => DeliverAsync(handler, message, ct));
                    running[task] = 0;
                    _ = task.ContinueWith(t => running.TryRemove(t, out _), TaskScheduler.Default);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        await Task.WhenAll(running.Keys);
    }

    private async Task DeliverAsync(IJobHandler handler, QueueMessage message, CancellationToken ct)
    {
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
        // Settling must not be cut short by shutdown once the result is written.
        switch (outcome.Disposition)
        {
            case JobDisposition.Complete:
                await Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
                break;
            case JobDisposition.DeadLetter:
                string record = JsonSerializer.Serialize(new { reason = outcome.Reason, deliveryCount = message.DequeueCount, body = message.Body.ToString() });
                await Poison.SendMessageAsync(record, CancellationToken.None);
                await Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
                break;
            default:
                var backoff = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, message.DequeueCount - 1)));
                await Queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: backoff, cancellationToken: CancellationToken.None);
                break;
        }
    }
}
