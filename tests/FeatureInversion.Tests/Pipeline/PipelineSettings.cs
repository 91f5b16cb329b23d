using FeatureInversion.Pipeline.Gallery;
using FeatureInversion.Pipeline.Ingestion;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>The pipeline's options per concern, as the tests build services by hand (hosts bind each from the
/// "Pipeline" section instead).</summary>
internal sealed class PipelineSettings
{
    public StorageOptions Storage { get; init; } = new();
    public QueueOptions Queue { get; init; } = new();
    public IngestionOptions Ingestion { get; init; } = new();
    public GalleryOptions Gallery { get; init; } = new();
    public DecoderWorkerOptions Worker { get; init; } = new();
}
