using Azure.Messaging.ServiceBus;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FeatureInversion.Pipeline.Queues;

/// <summary>Both ends of a configured queue and its dead letters (one object for the in-process and storage
/// queues).</summary>
public sealed record JobQueuePair(IJobQueue Queue, IJobSource Source, IDeadLetterSource DeadLetters);

/// <summary>A queue that must exist before use; created by the host's provisioning service at start.</summary>
public interface IProvisionedQueue
{
    Task EnsureCreatedAsync(CancellationToken ct = default);
}

/// <summary>One kind of job queue (<see cref="QueueOptions.Queue"/>): what its settings need and how to build
/// it.</summary>
/// <remarks><c>Create</c> takes the host's services: Azure SDK clients come from <see
/// cref="Hosting.PipelineAzureClients"/>, and the errors a consumer loop survives are logged through the host's logger
/// factory where it has one.</remarks>
public sealed record JobQueueKind(
    string Name,
    string Description,
    Func<QueueOptions, string?> Check,
    Func<QueueOptions, IServiceProvider, JobQueuePair> Create
);

/// <summary>
/// The job queues the pipeline runs on, by name: <c>inprocess</c> (the embedded default), <c>storage</c> (Azure
/// Storage queue; Azurite locally) and <c>servicebus</c>. Connection strings locally; in Azure the service URI or
/// namespace with the host's one DefaultAzureCredential (<see cref="Hosting.PipelineAzureClients"/>). Building a queue
/// does no I/O (queues are created by provisioning).
/// </summary>
public static class JobQueueKinds
{
    public static JobQueueKind InProcess { get; } =
        new(
            "inprocess",
            "in-memory queue in this process",
            _ => null,
            (queue, _) =>
            {
                var local = new InProcessJobQueue(queue.BatchSize, RetryPolicy.From(queue));
                return new JobQueuePair(local, local, local);
            }
        );

    public static JobQueueKind Storage { get; } =
        new(
            "storage",
            "Azure Storage queue (Azurite locally) with a poison queue",
            queue =>
                string.IsNullOrEmpty(queue.QueueConnectionString) && string.IsNullOrEmpty(queue.QueueServiceUri)
                    ? "Queue 'storage' needs QueueConnectionString or QueueServiceUri."
                    : null,
            (queue, services) =>
            {
                var service = services.GetRequiredService<QueueServiceClient>();
                var storageQueue = new StorageQueueJobQueue(
                    service.GetQueueClient(queue.QueueName),
                    service.GetQueueClient(queue.QueueName + "-poison"),
                    TimeSpan.FromSeconds(queue.VisibilityTimeoutSeconds),
                    queue.BatchSize,
                    RetryPolicy.From(queue)
                )
                {
                    MaxRenewal = TimeSpan.FromMinutes(queue.MaxLockRenewalMinutes),
                };
                if (services.GetService<ILoggerFactory>()?.CreateLogger<StorageQueueJobQueue>() is { } logger)
                    storageQueue.OnError = (what, e) =>
                        logger.LogWarning(e, "Storage queue error while {Operation}; going on", what);
                return new JobQueuePair(storageQueue, storageQueue, storageQueue);
            }
        );

    public static JobQueueKind ServiceBus { get; } =
        new(
            "servicebus",
            "Azure Service Bus queue (dead-letter sub-queue)",
            queue =>
                string.IsNullOrEmpty(queue.ServiceBusConnectionString)
                && string.IsNullOrEmpty(queue.ServiceBusNamespace)
                    ? "Queue 'servicebus' needs ServiceBusConnectionString or ServiceBusNamespace."
                    : null,
            (queue, services) =>
            {
                var client = services.GetRequiredService<ServiceBusClient>();
                var source = new ServiceBusJobSource(
                    client,
                    queue.QueueName,
                    ServiceBusJobSource.DefaultOptions(
                        queue.BatchSize,
                        TimeSpan.FromMinutes(queue.MaxLockRenewalMinutes)
                    ),
                    RetryPolicy.From(queue)
                );
                if (services.GetService<ILoggerFactory>()?.CreateLogger<ServiceBusJobSource>() is { } logger)
                    source.OnError = args => ServiceBusJobSource.LogProcessorError(logger, args);
                return new JobQueuePair(new ServiceBusJobQueue(client.CreateSender(queue.QueueName)), source, source);
            }
        );

    public static IReadOnlyDictionary<string, JobQueueKind> All { get; } =
        new[] { InProcess, Storage, ServiceBus }.ToDictionary(k => k.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The configured queue; settings are checked by <see cref="QueueOptionsValidator"/>
    /// first.</summary>
    public static JobQueuePair Create(QueueOptions queue, IServiceProvider services) =>
        All.TryGetValue(queue.Queue, out var kind)
            ? kind.Create(queue, services)
            : throw new ArgumentException($"Unknown queue kind '{queue.Queue}'. Known: {string.Join(", ", All.Keys)}.");
}
