using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Gallery;
using FeatureInversion.Pipeline.Ingestion;
using FeatureInversion.Pipeline.Publishing;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>The pipeline's services wired over a given store and queue, with the shipped decoders published.</summary>
internal sealed class PipelineTestbed : IAsyncDisposable
{
    public PipelineTestbed(IBlobStore store, IJobQueue queue, IJobSource source, PipelineSettings? settings = null)
    {
        Store = store;
        Queue = queue;
        Source = source;
        Settings = settings ?? new PipelineSettings();
        Settings.Worker.ModelCacheDirectory = Path.Combine(
            Path.GetTempPath(),
            "fi-test-models-" + Guid.NewGuid().ToString("N")
        );
        Registry = new ModelRegistry(store, Settings.Storage);
        Gallery = new GalleryWriter(store, Settings.Storage, Settings.Gallery);
        Ingestion = new IngestionService(
            store,
            queue,
            Registry,
            Gallery,
            Settings.Storage,
            Settings.Ingestion,
            TestData.Representations,
            NullLogger<IngestionService>.Instance
        );
        Decoders = new DecoderPool(
            Registry,
            Settings.Worker,
            Settings.Queue,
            TestData.Representations,
            TorchSharp.torch.CPU
        );
        Worker = new ReconstructionWorker(
            store,
            Decoders,
            Gallery,
            Settings.Storage,
            Settings.Queue,
            Settings.Ingestion,
            NullLogger<ReconstructionWorker>.Instance
        );
        Results = new ResultsQuery(store, Settings.Storage, Settings.Gallery);
    }

    public IBlobStore Store { get; }
    public IJobQueue Queue { get; }
    public IJobSource Source { get; }
    public PipelineSettings Settings { get; }
    public ModelRegistry Registry { get; }
    public GalleryWriter Gallery { get; }
    public IngestionService Ingestion { get; }
    public DecoderPool Decoders { get; }
    public ReconstructionWorker Worker { get; }
    public ResultsQuery Results { get; }

    public static string ShippedModel(string representation) =>
        Directory.GetDirectories(Path.Combine(TestData.Root, "models"), representation + "-*").Single();

    /// <summary>A copy of <paramref name="checkpoint"/>'s weights with <paramref name="manifest"/> beside them (a
    /// "retrained" version), in a new temporary folder.</summary>
    public static string Republished(string checkpoint, FeatureInversion.Models.DecoderManifest manifest)
    {
        string dir = Path.Combine(Path.GetTempPath(), "fi-republished-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(checkpoint, "weights.dat"), Path.Combine(dir, "weights.dat"));
        File.WriteAllText(Path.Combine(dir, "manifest.json"), manifest.ToJson());
        return dir;
    }

    public async Task SetUpAsync(params string[] representations)
    {
        Settings.Ingestion.Representations = representations;
        await Store.EnsureContainersAsync([
            Settings.Storage.ImagesContainer,
            Settings.Storage.FeaturesContainer,
            Settings.Storage.ResultsContainer,
            Settings.Storage.ModelsContainer,
        ]);
        foreach (var rep in representations)
            await Registry.PublishAsync(ShippedModel(rep));
    }

    /// <summary>Uploads a file's bytes as the user would and runs ingestion as the blob trigger would.</summary>
    public async Task<IngestionRecord> UploadAsync(string blobName, byte[] content)
    {
        await Store.WriteAsync(
            Settings.Storage.ImagesContainer,
            blobName,
            content,
            ContentTypes.Binary,
            overwrite: true
        );
        return await Ingestion.IngestAsync(blobName, content);
    }

    public Task<IngestionRecord> UploadPhotoAsync(string batch, string photo) =>
        UploadAsync($"{batch}/{photo}", File.ReadAllBytes(Path.Combine(TestData.PhotosDirectory, photo)));

    /// <summary>Runs the worker until every listed image has no pending result, or fails after the timeout.</summary>
    public async Task<List<ImageStatus>> RunWorkerUntilSettledAsync(IEnumerable<string> imageBlobs, TimeSpan timeout)
    {
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => Source.RunAsync(Worker, stop.Token));
        var deadline = DateTime.UtcNow + timeout;
        try
        {
            while (true)
            {
                var statuses = new List<ImageStatus>();
                foreach (var blob in imageBlobs)
                    statuses.Add((await Results.GetAsync(blob))!);
                if (statuses.All(s => s.Status != JobStatus.Pending))
                    return statuses;
                if (run.IsCompleted)
                    await run;
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException(
                        "results still pending: "
                            + string.Join(
                                ", ",
                                statuses.Where(s => s.Status == JobStatus.Pending).Select(s => s.ImageBlob)
                            )
                    );
                await Task.Delay(50);
            }
        }
        finally
        {
            stop.Cancel();
            await run;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Decoders.DisposeAsync();
        if (Directory.Exists(Settings.Worker.ModelCacheDirectory))
            Directory.Delete(Settings.Worker.ModelCacheDirectory, true);
    }
}
