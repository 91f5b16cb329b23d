using System.ComponentModel.DataAnnotations;

namespace FeatureInversion.Pipeline.Queues;

/// <summary>The job queue: its kind and endpoint, how many jobs a receive takes, and delivery, retry and lock settings
/// (section <see cref="PipelineSection.Name"/>).</summary>
public sealed class QueueOptions
{
    /// <summary>A kind of <see cref="JobQueueKinds"/>: "inprocess", "storage" (Storage queue, Azurite locally) or
    /// "servicebus".</summary>
    [Required]
    public string Queue { get; set; } = "inprocess";

    [Required]
    public string QueueName { get; set; } = "reconstruction-jobs";

    /// <summary>Storage queue connection string; when empty, <see cref="QueueServiceUri"/> with
    /// DefaultAzureCredential.</summary>
    public string? QueueConnectionString { get; set; }
    public string? QueueServiceUri { get; set; }

    /// <summary>Service Bus connection string; when empty, <see cref="ServiceBusNamespace"/> (FQDN) with
    /// DefaultAzureCredential.</summary>
    public string? ServiceBusConnectionString { get; set; }
    public string? ServiceBusNamespace { get; set; }

    /// <summary>Jobs a worker receives, decodes together and handles concurrently.</summary>
    [Range(1, 1024)]
    public int BatchSize { get; set; } = 16;

    /// <summary>A job that failed this many deliveries is dead-lettered with its last error; a delivery beyond it (the
    /// earlier ones crashed the worker) is dead-lettered before it is processed. Service Bus queues are created with
    /// this max delivery count plus one, so the broker dead-letters only what no worker could settle.</summary>
    [Range(1, 100)]
    public int MaxDeliveries { get; set; } = 5;

    /// <summary>Failed deliveries are retried after a back-off doubling from this, up to <see
    /// cref="MaxRetryDelaySeconds"/>.</summary>
    [Range(0, 60_000)]
    public int RetryDelayMilliseconds { get; set; } = 1000;

    [Range(0, 3600)]
    public int MaxRetryDelaySeconds { get; set; } = 30;

    /// <summary>Storage queue: how long a received job stays invisible before another worker may take it.</summary>
    [Range(1, 7 * 24 * 3600)]
    public int VisibilityTimeoutSeconds { get; set; } = 300;

    /// <summary>Service Bus: how long the processor keeps renewing a message lock (above the worst-case job
    /// time).</summary>
    [Range(1, 24 * 60)]
    public int MaxLockRenewalMinutes { get; set; } = 30;
}
