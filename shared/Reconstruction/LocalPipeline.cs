using System.Diagnostics;
using FeatureInversion.Features;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeatureInversion.Reconstruction;

/// <summary>Summary of a local pipeline run.</summary>
/// <remarks><c>UploadSeconds</c>: copying the files into the images container (the user's part); <c>Seconds</c>: from
/// the first trigger to the last result and the gallery (the pipeline's part).</remarks>
public sealed record LocalRunSummary(int Uploaded, int Refused, int Results, int Failed, double UploadSeconds, double Seconds, string Gallery, IReadOnlyList<ImageStatus> Images);

/// <summary>
/// Runs the whole pipeline in one process, as the cloud does in several: publishes decoder checkpoints to the
/// models container, uploads photos to the images container, calls ingestion for each as the blob trigger would,
/// runs the worker until every job is settled, and writes the galleries. Works on any store and queue: a local
/// folder with the in-process queue (the embedded default) or Azurite blob and storage queue, with any
/// representation of <paramref name="representations"/> (CNN layers included: this process has TorchSharp).
/// </summary>
public sealed class LocalPipeline(IBlobStore store, JobQueuePair queues, PipelineOptions options, RepresentationRegistry representations, ILoggerFactory? loggers = null)
{
    private readonly IJobQueue queue = queues.Queue;
    private readonly IJobSource source = queues.Source;
    private readonly ILoggerFactory _loggers = loggers ?? NullLoggerFactory.Instance;

    public async Task<LocalRunSummary> RunAsync(IEnumerable<string> modelDirectories, IReadOnlyList<string> photos, string batch, CancellationToken ct = default)
    {
        await store.EnsureContainersAsync([options.ImagesContainer, options.FeaturesContainer, options.ResultsContainer, options.ModelsContainer, options.TrainingContainer], ct);
        if (queue is IProvisionedQueue provisioned) await provisioned.EnsureCreatedAsync(ct);
        var registry = new ModelRegistry(store, options);
        foreach (var dir in modelDirectories) await registry.PublishAsync(dir, ct);

        var galleryWriter = new GalleryWriter(store, options);
        var ingestion = new IngestionService(store, queue, registry, galleryWriter, options, representations, _loggers.CreateLogger<IngestionService>());
        await using var decoders = new DecoderPool(registry, options, representations, WorkerDevice.From(options).Device);
        var clock = Stopwatch.StartNew();
        var worker = new ReconstructionWorker(store, decoders, galleryWriter, options, _loggers.CreateLogger<ReconstructionWorker>());

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = Task.Run(() => source.RunAsync(worker, stop.Token), CancellationToken.None);
        // The user's uploads (timed apart: they are not the pipeline's work), then ingestion, concurrently, as the
        // Functions host runs blob triggers (host.json: 4 at a time).
        var names = photos.Select(p => $"{batch}/{Path.GetFileName(p)}").ToList();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, photos.Count), parallel, async (i, token) =>
            await store.WriteAsync(options.ImagesContainer, names[i], await File.ReadAllBytesAsync(photos[i], token), ContentTypes.Binary, overwrite: true, token));
        double uploadSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        int refused = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, photos.Count), parallel, async (i, token) =>
        {
            byte[] bytes = (await store.TryReadAsync(options.ImagesContainer, names[i], token))!; // the trigger's input binding
            var record = await ingestion.IngestAsync(names[i], bytes, token); // the blob trigger's call
            if (record is RefusedUpload) Interlocked.Increment(ref refused);
        });

        // Wait until every job is settled: the in-process queue says so; other queues are watched through the results.
        var query = new ResultsQuery(store, options);
        if (queue is InProcessJobQueue local) await Task.WhenAny(local.WhenIdleAsync(ct), running);
        var pending = new HashSet<string>(names);
        while (pending.Count > 0)
        {
            foreach (var n in pending.ToList())
            {
                if ((await query.GetAsync(n, ct))!.Status != ResultsQuery.Pending) pending.Remove(n);
            }
            if (pending.Count == 0) break;
            if (running.IsCompleted) { await running; throw new InvalidOperationException("the worker stopped before the jobs were done"); }
            await Task.Delay(250, ct);
        }
        stop.Cancel();
        await running;
        await galleryWriter.RebuildAsync(batch, ct);
        var statuses = new List<ImageStatus>();
        foreach (var n in names) statuses.Add((await query.GetAsync(n, ct))!);
        int results = statuses.Sum(s => s.Results.Count(r => r.Status == ResultsQuery.Done));
        int failed = statuses.Sum(s => s.Results.Count(r => r.Status == ResultsQuery.Failed));
        var gallery = (await store.GetReadUrlAsync(options.ResultsContainer, BlobNames.Gallery(batch), TimeSpan.FromHours(1), ct)).ToString();
        return new LocalRunSummary(photos.Count, refused, results, failed, uploadSeconds, clock.Elapsed.TotalSeconds, gallery, statuses);
    }

    /// <summary>Every (non-hidden) file of a folder, ordered by name: what a user would drop into the container.
    /// Files that are not images are uploaded too and refused by ingestion with a reason.</summary>
    public static IReadOnlyList<string> FilesIn(string folder) =>
        Directory.EnumerateFiles(folder).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToList();
}
