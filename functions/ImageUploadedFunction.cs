using FeatureInversion.Pipeline;
using Microsoft.Azure.Functions.Worker;

namespace FeatureInversion.Functions;

/// <summary>
/// Blob trigger on the images container: hands the upload to ingestion (validate, extract features, store them,
/// queue jobs). Refused uploads are recorded, not thrown, so they are not retried; any other failure throws and the
/// host retries, which is safe because everything ingestion writes or queues is named by content hash.
/// </summary>
public sealed class ImageUploadedFunction(IngestionService ingestion)
{
    [Function("ImageUploaded")]
    public Task<IngestionRecord> RunAsync(
        [BlobTrigger("%Pipeline:ImagesContainer%/{name}", Connection = "PipelineStorage")] byte[] content,
        string name, CancellationToken ct) =>
        ingestion.IngestAsync(name, content, ct);
}
