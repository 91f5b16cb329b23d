using FeatureInversion.Pipeline;
using Microsoft.Azure.Functions.Worker;

namespace FeatureInversion.Functions;

/// <summary>
/// Blob trigger on the images container: hands the upload to ingestion (validate, extract features, store them,
/// queue jobs). The blob is bound as a stream (the SDK's lazily downloading blob stream, whose length is the blob's),
/// so a blob over <c>Pipeline:MaxImageBytes</c> is refused without being downloaded and an accepted one is read once.
/// Refused uploads are recorded, not thrown, so they are not retried; any other failure throws and the host
/// retries (then moves the blob receipt to its poison queue), which is safe because everything ingestion writes or
/// queues is named by content hash and the record is written last.
/// </summary>
public sealed class ImageUploadedFunction(IngestionService ingestion)
{
    [Function("ImageUploaded")]
    public async Task<IngestionRecord> RunAsync(
        [BlobTrigger("%Pipeline:ImagesContainer%/{name}", Connection = "PipelineStorage")] Stream content,
        string name, CancellationToken ct)
    {
        await using (content) return await ingestion.IngestAsync(name, content, ct);
    }
}
