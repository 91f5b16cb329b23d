namespace FeatureInversion.Pipeline;

/// <summary>
/// The configuration section every pipeline setting lives in ("Pipeline": environment variables
/// <c>Pipeline__Name</c>). Each concern binds its own options class from it (<c>StorageOptions</c>,
/// <c>QueueOptions</c>, <c>IngestionOptions</c>, <c>GalleryOptions</c>, the worker's <c>DecoderWorkerOptions</c>),
/// validated at host start; one section keeps the deployment's settings one flat list (docs/pipeline.md).
/// </summary>
public static class PipelineSection
{
    public const string Name = "Pipeline";
}
