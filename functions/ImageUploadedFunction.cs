using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Ingestion;
using Microsoft.Azure.Functions.Worker;

namespace FeatureInversion.Functions;

/// <summary>
/// Blob trigger on the images container, fed by Event Grid (BlobCreated events of the storage account's system topic,
/// <c>infra/modules/eventgrid.bicep</c>): the only blob trigger source the Flex Consumption plan supports, and one
/// without the polling source's scan delay. Local runs do not host this class (Core Tools cannot be installed here):
/// the <c>pipeline</c> verb calls the same ingestion per file, as the trigger would. It hands the upload to ingestion
/// (validate, extract features, store them, queue jobs). The blob is bound as a stream (the SDK's lazily downloading
/// blob stream, whose length is the blob's), so a blob over <c>Pipeline:MaxImageBytes</c> is refused without being
/// downloaded and an accepted one is read once. Refused uploads are recorded, not thrown, so they are not retried; any
/// other failure throws and the host retries (then moves the blob receipt to its poison queue), which is safe because
/// everything ingestion writes or queues is named by content hash and the record is written last.
/// </summary>
public sealed class ImageUploadedFunction(IngestionService ingestion)
{
    [Function("ImageUploaded")]
    public async Task<IngestionRecord> RunAsync(
        [BlobTrigger(
            "%Pipeline:ImagesContainer%/{name}",
            Source = BlobTriggerSource.EventGrid,
            Connection = "PipelineStorage"
        )]
            Stream content,
        string name,
        CancellationToken ct
    )
    {
        await using (content)
            return await ingestion.IngestAsync(name, content, ct);
    }
}
