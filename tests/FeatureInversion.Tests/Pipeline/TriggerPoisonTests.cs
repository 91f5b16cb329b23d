using FeatureInversion.Functions;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Ingestion;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>The blob trigger's poison queue has a consumer (issue 24): an upload the trigger gave up on shows as
/// failed, with the reason, instead of pending for ever.</summary>
public class TriggerPoisonTests
{
    // The message the Functions host parks (blob trigger "poison blobs" documentation: these fields, JSON).
    private static string Poison(string container, string blob) =>
        $$"""
            {"Type":"BlobTrigger","FunctionId":"Host.Functions.ImageUploaded","BlobType":"BlockBlob",
             "ContainerName":"{{container}}","BlobName":"{{blob}}","ETag":"\"0x8DE2C1A9A1B2C3D\""}
            """;

    [Fact]
    public async Task AnUploadTheTriggerGaveUpOnIsRecordedAsFailedAndAnIngestedOneIsLeftAlone()
    {
        var store = new LocalBlobStore(Path.Combine(Path.GetTempPath(), "fi-poison-" + Guid.NewGuid().ToString("N")));
        var queue = new InProcessJobQueue();
        await using var bed = new PipelineTestbed(store, queue, queue);
        await bed.SetUpAsync("hog");
        var function = new TriggerPoisonFunction(
            new TriggerPoisonRecorder(store, bed.Settings.Storage, NullLogger<TriggerPoisonRecorder>.Instance)
        );

        await function.RunAsync(Poison("images", "b/stuck.jpg"), CancellationToken.None);
        var status = (await bed.Results.GetAsync("b/stuck.jpg"))!;
        Assert.Equal(JobStatus.Failed, status.Status);
        Assert.Contains("ingestion failed 5 times", status.Error);

        // An image ingestion recorded after all keeps its record.
        var accepted = Assert.IsType<AcceptedUpload>(await bed.UploadPhotoAsync("b", "camera-256x256.jpg"));
        await function.RunAsync(Poison("images", accepted.ImageBlob), CancellationToken.None);
        Assert.Equal(JobStatus.Pending, (await bed.Results.GetAsync(accepted.ImageBlob))!.Status);

        // Messages naming no upload are dropped, not retried.
        var recorder = new TriggerPoisonRecorder(
            store,
            bed.Settings.Storage,
            NullLogger<TriggerPoisonRecorder>.Instance
        );
        Assert.Null(await recorder.RecordAsync("not json"));
        Assert.Null(await recorder.RecordAsync(Poison("results", "b/x.png")));
        Assert.Null(await recorder.RecordAsync("{}"));
    }
}
