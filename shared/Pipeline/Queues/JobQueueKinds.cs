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

/// <summary>One kind of job queue (<see cref="PipelineOptions.Queue"/>): what its settings need and how to build
/// it.</summary>
/// <remarks><c>Create</c> takes the host's services: Azure SDK clients come from <see
/// cref="Hosting.PipelineAzureClients"/>, and the errors a consumer loop survives are logged through the host's logger
/// factory where it has one.</remarks>
public sealed record JobQueueKind(
    string Name,
    string Description,
    Func<PipelineOptions, string?> Check,
    Func<PipelineOptions, IServiceProvider, JobQueuePair> Create
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
            (o, _) =>
            {
                var local = new InProcessJobQueue(o.BatchSize, RetryPolicy.From(o));
                return new JobQueuePair(local, local, local);
            }
        );

    public static JobQueueKind Storage { get; } =
        new(
            "storage",
            "Azure Storage queue (Azurite locally) with a poison queue",
            o =>
                string.IsNullOrEmpty(o.QueueConnectionString) && string.IsNullOrEmpty(o.QueueServiceUri)
                    ? "Queue 'storage' needs QueueConnectionString or QueueServiceUri."
                    : null,
            (o, services) =>
            {
                var service = services.GetRequiredService<QueueServiceClient>();
                var storage = new StorageQueueJobQueue(
                    service.GetQueueClient(o.QueueName),
                    service.GetQueueClient(o.QueueName + "-poison"),
                    TimeSpan.FromSeconds(o.VisibilityTimeoutSeconds),
                    o.BatchSize,
                    RetryPolicy.From(o)
                )
                {
                    MaxRenewal = TimeSpan.FromMinutes(o.MaxLockRenewalMinutes),
                };
                if (services.GetService<ILoggerFactory>()?.CreateLogger<StorageQueueJobQueue>() is { } logger)
                    storage.OnError = (what, e) =>
                        logger.LogWarning(e, "Storage queue error while {Operation}; going on", what);
                return new JobQueuePair(storage, storage, storage);
            }
        );

    public static JobQueueKind ServiceBus { get; } =
        new(
            "servicebus",
            "Azure Service Bus queue (dead-letter sub-queue)",
            o =>
                string.IsNullOrEmpty(o.ServiceBusConnectionString) && string.IsNullOrEmpty(o.ServiceBusNamespace)
                    ? "Queue 'servicebus' needs ServiceBusConnectionString or ServiceBusNamespace."
                    : null,
            (o, services) =>
            {
                var client = services.GetRequiredService<ServiceBusClient>();
                var source = new ServiceBusJobSource(
                    client,
                    o.QueueName,
                    ServiceBusJobSource.DefaultOptions(o.BatchSize, TimeSpan.FromMinutes(o.MaxLockRenewalMinutes)),
                    RetryPolicy.From(o)
                );
                if (services.GetService<ILoggerFactory>()?.CreateLogger<ServiceBusJobSource>() is { } logger)
                    source.OnError = args => ServiceBusJobSource.LogProcessorError(logger, args);
                return new JobQueuePair(new ServiceBusJobQueue(client.CreateSender(o.QueueName)), source, source);
            }
        );

    public static IReadOnlyDictionary<string, JobQueueKind> All { get; } =
        new[] { InProcess, Storage, ServiceBus }.ToDictionary(k => k.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The configured queue; settings are checked by <see cref="Hosting.PipelineOptionsValidator"/>
    /// first.</summary>
    public static JobQueuePair Create(PipelineOptions options, IServiceProvider services) =>
        All.TryGetValue(options.Queue, out var kind)
            ? kind.Create(options, services)
            : throw new ArgumentException(
                $"Unknown queue kind '{options.Queue}'. Known: {string.Join(", ", All.Keys)}."
            );
}
