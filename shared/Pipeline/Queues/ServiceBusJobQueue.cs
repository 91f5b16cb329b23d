using Azure.Messaging.ServiceBus;

namespace FeatureInversion.Pipeline.Queues;

/// <summary>
/// Sends jobs to an Azure Service Bus queue. The message id is the job id (image hash, representation, decoder
/// version), so with duplicate detection on the queue a re-fired blob trigger does not queue the same job twice.
/// </summary>
public sealed class ServiceBusJobQueue(ServiceBusSender sender) : IJobQueue
{
    public static ServiceBusMessage ToMessage(ReconstructionJob job) => new(BinaryData.FromString(job.ToJson()))
    {
        MessageId = job.JobId,
        ContentType = "application/json",
        Subject = job.Representation,
        CorrelationId = job.ImageId,
    };

    public Task EnqueueAsync(ReconstructionJob job, CancellationToken ct = default) => sender.SendMessageAsync(ToMessage(job), ct);
}

/// <summary>
/// Delivers Service Bus jobs with a <see cref="ServiceBusProcessor"/> in peek-lock mode. Every message is settled
/// explicitly (auto-complete is off): completed after its result is written, abandoned for a retry, dead-lettered
/// with a reason. Lock renewal runs up to <c>MaxAutoLockRenewalDuration</c>, which must exceed the worst-case job time.
/// </summary>
public sealed class ServiceBusJobSource(ServiceBusClient client, string queueName, ServiceBusProcessorOptions options) : IJobSource
{
    public static ServiceBusProcessorOptions DefaultOptions(int concurrency, TimeSpan maxLockRenewal) => new()
    {
        ReceiveMode = ServiceBusReceiveMode.PeekLock,
        AutoCompleteMessages = false,
        MaxConcurrentCalls = concurrency,
        PrefetchCount = concurrency,
        MaxAutoLockRenewalDuration = maxLockRenewal,
    };

    public Action<ProcessErrorEventArgs>? OnError { get; init; }

    public async Task RunAsync(IJobHandler handler, CancellationToken ct)
    {
        await using var processor = client.CreateProcessor(queueName, options);
        processor.ProcessMessageAsync += args => DispatchAsync(args, handler);
        processor.ProcessErrorAsync += args => { OnError?.Invoke(args); return Task.CompletedTask; };
        await processor.StartProcessingAsync(ct);
        try { await Task.Delay(Timeout.Infinite, ct); }
        catch (OperationCanceledException) { }
        await processor.StopProcessingAsync(CancellationToken.None);
    }

    /// <summary>Runs the handler on one message and settles it. Public so it can be tested with <c>ServiceBusModelFactory</c>.</summary>
    public static async Task DispatchAsync(ProcessMessageEventArgs args, IJobHandler handler)
    {
        var message = args.Message;
        JobOutcome outcome;
        try
        {
            outcome = await handler.HandleAsync(message.Body.ToString(), message.DeliveryCount, args.CancellationToken);
        }
        catch (Exception) when (args.CancellationToken.IsCancellationRequested)
        {
            return; // processor stopping: leave the lock to expire so the message is redelivered
        }
        catch (Exception e)
        {
            outcome = JobOutcome.Retry(e.Message);
        }
        switch (outcome.Disposition)
        {
            case JobDisposition.Complete:
                await args.CompleteMessageAsync(message, CancellationToken.None);
                break;
            case JobDisposition.DeadLetter:
                string reason = outcome.Reason ?? "dead-lettered by the worker";
                await args.DeadLetterMessageAsync(message, "ReconstructionFailed", reason.Length > 4096 ? reason[..4096] : reason, CancellationToken.None);
                break;
            default:
                await args.AbandonMessageAsync(message, new Dictionary<string, object> { ["lastError"] = Truncate(outcome.Reason) }, CancellationToken.None);
                break;
        }
    }

    private static string Truncate(string? s) => s is null ? "" : s.Length > 1024 ? s[..1024] : s;
}
