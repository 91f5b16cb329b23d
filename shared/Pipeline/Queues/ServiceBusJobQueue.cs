using Azure.Messaging.ServiceBus;

namespace FeatureInversion.Pipeline.Queues;

/// <summary>
/// Sends jobs to an Azure Service Bus queue. The message id is the job id (image hash, representation, decoder
/// version), so with duplicate detection on the queue a re-fired blob trigger does not queue the same job twice.
/// </summary>
public sealed class ServiceBusJobQueue(ServiceBusSender sender) : IJobQueue
{
    public static ServiceBusMessage ToMessage(ReconstructionJob job) =>
        new(BinaryData.FromString(job.ToJson()))
        {
            MessageId = job.JobId,
            ContentType = "application/json",
            Subject = job.Representation,
            CorrelationId = job.ImageId,
        };

    public Task EnqueueAsync(ReconstructionJob job, CancellationToken ct = default) =>
        sender.SendMessageAsync(ToMessage(job), ct);
}

/// <summary>
/// Delivers Service Bus jobs with a <see cref="ServiceBusProcessor"/> in peek-lock mode. Every message is settled
/// explicitly (auto-complete is off): completed after its result is written, abandoned for a retry, dead-lettered
/// with a reason. Lock renewal runs up to <c>MaxAutoLockRenewalDuration</c>, which must exceed the worst-case job time.
/// </summary>
public sealed class ServiceBusJobSource(
    ServiceBusClient client,
    string queueName,
    ServiceBusProcessorOptions options,
    RetryPolicy? retry = null
) : IJobSource, IDeadLetterSource
{
    private readonly RetryPolicy _retry = retry ?? new RetryPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    public static ServiceBusProcessorOptions DefaultOptions(int concurrency, TimeSpan maxLockRenewal) =>
        new()
        {
            ReceiveMode = ServiceBusReceiveMode.PeekLock,
            AutoCompleteMessages = false,
            MaxConcurrentCalls = concurrency,
            PrefetchCount = concurrency,
            MaxAutoLockRenewalDuration = maxLockRenewal,
        };

    /// <summary>Called with every error the processor reports (unreachable namespace, lost locks, handler faults); the
    /// queue kind logs them (<see cref="JobQueueKinds.ServiceBus"/>). Without it a worker pointed at a wrong namespace
    /// stays silent.</summary>
    public Action<ProcessErrorEventArgs>? OnError { get; set; }

    /// <summary>A processor error as a log entry: where it happened (entity, source) and the exception.</summary>
    public static void LogProcessorError(Microsoft.Extensions.Logging.ILogger logger, ProcessErrorEventArgs args) =>
        Microsoft.Extensions.Logging.LoggerExtensions.LogError(
            logger,
            args.Exception,
            "Service Bus processor error in {ErrorSource} on {Entity} ({Namespace})",
            args.ErrorSource,
            args.EntityPath,
            args.FullyQualifiedNamespace
        );

    public async Task RunAsync(IJobHandler handler, CancellationToken ct)
    {
        await using var processor = client.CreateProcessor(queueName, options);
        processor.ProcessMessageAsync += args => DispatchAsync(args, handler, _retry);
        processor.ProcessErrorAsync += args =>
        {
            OnError?.Invoke(args);
            return Task.CompletedTask;
        };
        await processor.StartProcessingAsync(ct);
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException) { }
        await processor.StopProcessingAsync(CancellationToken.None);
    }

    /// <summary>Runs the handler on one message and settles it. Public so it can be tested with
    /// <c>ServiceBusModelFactory</c>.</summary>
    public static async Task DispatchAsync(ProcessMessageEventArgs args, IJobHandler handler, RetryPolicy? retry = null)
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
                await args.DeadLetterMessageAsync(
                    message,
                    "ReconstructionFailed",
                    reason.Length > 4096 ? reason[..4096] : reason,
                    CancellationToken.None
                );
                break;
            default:
                // Service Bus redelivers an abandoned message at once: back off while still holding the (renewed) lock.
                if (retry is not null)
                {
                    try
                    {
                        await Task.Delay(retry.Delay(message.DeliveryCount), args.CancellationToken);
                    }
                    catch (OperationCanceledException) { }
                }
                await args.AbandonMessageAsync(
                    message,
                    new Dictionary<string, object> { ["lastError"] = Truncate(outcome.Reason) },
                    CancellationToken.None
                );
                break;
        }
    }

    /// <summary>Reads the dead-letter sub-queue (messages the worker dead-lettered, and those the broker moved there
    /// after the queue's max delivery count — a worker that crashed on each delivery): each goes to the handler with
    /// the broker's reason and description, then is completed; a handler failure abandons it for later.</summary>
    public async Task RunAsync(IDeadLetterHandler handler, CancellationToken ct)
    {
        await using var receiver = client.CreateReceiver(
            queueName,
            new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter }
        );
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var messages = await receiver.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30), ct);
                foreach (var message in messages)
                {
                    try
                    {
                        await handler.HandleAsync(ToDeadLetter(message), ct);
                    }
                    catch (Exception) when (!ct.IsCancellationRequested)
                    {
                        await receiver.AbandonMessageAsync(message, cancellationToken: CancellationToken.None);
                        continue;
                    }
                    await receiver.CompleteMessageAsync(message, CancellationToken.None);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    /// <summary>A dead-lettered message as the handler sees it (public for tests with
    /// <c>ServiceBusModelFactory</c>).</summary>
    public static DeadLetter ToDeadLetter(ServiceBusReceivedMessage message)
    {
        string reason = string.IsNullOrEmpty(message.DeadLetterErrorDescription)
            ? message.DeadLetterReason ?? "dead-lettered"
            : $"{message.DeadLetterReason}: {message.DeadLetterErrorDescription}";
        return new DeadLetter(message.Body.ToString(), reason, message.DeliveryCount);
    }

    private static string Truncate(string? s) =>
        s is null ? ""
        : s.Length > 1024 ? s[..1024]
        : s;
}
