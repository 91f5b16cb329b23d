using System.ComponentModel.DataAnnotations;

namespace FeatureInversion.Pipeline;

/// <summary>Settings of the pipeline (section "Pipeline"), shared by the function app, the worker and the trainer
/// job.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>Container users drop images into; the blob trigger watches it.</summary>
    [Required]
    public string ImagesContainer { get; set; } = "images";

    /// <summary>Extracted features (claim-check: jobs carry references to these blobs, never the arrays).</summary>
    [Required]
    public string FeaturesContainer { get; set; } = "features";

    /// <summary>Reconstructions, metrics, error records and per-batch galleries.</summary>
    [Required]
    public string ResultsContainer { get; set; } = "results";

    /// <summary>Published decoder versions: <c>{representation}/{version}/manifest.json</c> and
    /// <c>weights.dat</c>.</summary>
    [Required]
    public string ModelsContainer { get; set; } = "models";

    /// <summary>Photographs the scheduled trainer learns from (<c>train/</c> and <c>test/</c> prefixes).</summary>
    [Required]
    public string TrainingContainer { get; set; } = "training";

    /// <summary>Representations computed for every image; one job each, with the newest published decoder. Each must be
    /// one the host's representation registry offers (the function app: the hand-designed ones).</summary>
    [MinLength(1)]
    public string[] Representations { get; set; } = ["hog", "sift-grid", "lbp"];

    /// <summary>Images larger than this (bytes) are refused before decoding, after reading at most this many
    /// bytes.</summary>
    [Range(1, 1L << 32)]
    public long MaxImageBytes { get; set; } = 50 * 1024 * 1024;

    /// <summary>Images whose header declares more pixels (width × height) than this are refused before decoding; a
    /// decode costs about 3 bytes per pixel, up to 9 for progressive JPEGs (docs/reliability.md).</summary>
    [Range(1, 268_435_456)]
    public long MaxImagePixels { get; set; } = 40_000_000;

    /// <summary>The upload limits (<see cref="MaxImageBytes"/>, <see cref="MaxImagePixels"/>) as the image reader takes
    /// them.</summary>
    public FeatureInversion.Imaging.ImageLimits ToImageLimits() =>
        new() { MaxBytes = MaxImageBytes, MaxPixels = MaxImagePixels };

    /// <summary>A job that failed this many deliveries is dead-lettered with its last error; a delivery beyond it (the
    /// earlier ones crashed the worker) is dead-lettered before it is processed. Service Bus queues are created with
    /// this max delivery count plus one, so the broker dead-letters only what no worker could settle.</summary>
    [Range(1, 100)]
    public int MaxDeliveries { get; set; } = 5;

    /// <summary>A job still pending this long after its upload was ingested shows as stalled in the results API and
    /// the gallery (a worker is down, or the queue lost it).</summary>
    [Range(1, 7 * 24 * 60)]
    public int StalledAfterMinutes { get; set; } = 30;

    /// <summary>Failed deliveries are retried after a back-off doubling from this, up to <see
    /// cref="MaxRetryDelaySeconds"/>.</summary>
    [Range(0, 60_000)]
    public int RetryDelayMilliseconds { get; set; } = 1000;

    [Range(0, 3600)]
    public int MaxRetryDelaySeconds { get; set; } = 30;

    /// <summary>Jobs a worker decodes together (and handles concurrently).</summary>
    [Range(1, 1024)]
    public int BatchSize { get; set; } = 16;

    /// <summary>How long a worker waits for more jobs before decoding a partial batch.</summary>
    [Range(0, 10_000)]
    public int BatchWindowMilliseconds { get; set; } = 20;

    /// <summary>Rows per page of a batch's gallery (static pages and the function app's).</summary>
    [Range(10, 1000)]
    public int GalleryPageSize { get; set; } = 100;

    /// <summary>Lifetime of the read-only SAS URLs the results function hands out.</summary>
    [Range(1, 7 * 24 * 3600)]
    public int ResultUrlSeconds { get; set; } = 3600;

    /// <summary>A kind of <see cref="FeatureInversion.Pipeline.Storage.BlobStoreKinds"/>: "local" (a folder, <see
    /// cref="LocalRoot"/>) or "azure" (Blob Storage or Azurite).</summary>
    [Required]
    public string Storage { get; set; } = "local";
    public string LocalRoot { get; set; } = "pipeline-data";

    /// <summary>Blob connection string (Azurite: <c>UseDevelopmentStorage=true</c>); when empty, <see
    /// cref="BlobServiceUri"/> with DefaultAzureCredential.</summary>
    public string? BlobConnectionString { get; set; }
    public string? BlobServiceUri { get; set; }

    /// <summary>A kind of <see cref="FeatureInversion.Pipeline.Queues.JobQueueKinds"/>: "inprocess", "storage" (Storage
    /// queue, Azurite locally) or "servicebus".</summary>
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

    /// <summary>Storage queue: how long a received job stays invisible before another worker may take it.</summary>
    [Range(1, 7 * 24 * 3600)]
    public int VisibilityTimeoutSeconds { get; set; } = 300;

    /// <summary>Service Bus: how long the processor keeps renewing a message lock (above the worst-case job
    /// time).</summary>
    [Range(1, 24 * 60)]
    public int MaxLockRenewalMinutes { get; set; } = 30;

    /// <summary>Where the decoder worker runs its networks: "auto" (CUDA when libtorch sees a GPU), "cpu" or
    /// "cuda".</summary>
    [RegularExpression("^(auto|cpu|cuda)$")]
    public string Device { get; set; } = "auto";

    /// <summary>Decoder worker: port of its health endpoint (<c>/healthz/live</c>, <c>/healthz/ready</c>); 0 =
    /// none.</summary>
    [Range(0, 65535)]
    public int HealthPort { get; set; }

    /// <summary>Where workers keep downloaded decoder versions.</summary>
    public string ModelCacheDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "feature-inversion-models");
}
