using FeatureInversion.Pipeline.Gallery;
using System.Diagnostics;
using FeatureInversion.Features;
using FeatureInversion.IO;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeatureInversion.Reconstruction;

/// <summary>A folder's regular files to upload and the entries that are not uploaded, with why.</summary>
public sealed record FolderListing(IReadOnlyList<string> Files, IReadOnlyList<SkippedEntry> Skipped);

/// <summary>An entry of the input folder that is not uploaded: its name and the reason.</summary>
public sealed record SkippedEntry(string Name, string Reason);

/// <summary>Summary of a local pipeline run.</summary>
/// <remarks><c>UploadSeconds</c>: copying the files into the images container (the user's part); <c>Seconds</c>: from
/// the first trigger to the last result and the gallery (the pipeline's part). <c>IngestionErrors</c>: files whose
/// ingestion itself kept failing (storage down, disk full) after the trigger's retries, with the last error.</remarks>
public sealed record LocalRunSummary(int Uploaded, int Refused, int Results, int Failed, double UploadSeconds, double Seconds, string Gallery,
    IReadOnlyList<ImageStatus> Images, IReadOnlyDictionary<string, string> IngestionErrors);

/// <summary>
/// Runs the whole pipeline in one process, as the cloud does in several: publishes decoder checkpoints to the
/// models container, uploads photos to the images container, calls ingestion for each as the blob trigger would
/// (streamed, 4 at a time, each file on its own: one that fails is retried like a trigger and then reported, never
/// stopping the others), runs the worker and the dead-letter consumer until every job is settled, and writes the
/// galleries. Works on any store and queue: a local folder with the in-process queue (the embedded default) or
/// Azurite blob and storage queue, with any representation of <paramref name="representations"/> (CNN layers
/// included: this process has TorchSharp).
/// </summary>
public sealed class LocalPipeline(IBlobStore store, JobQueuePair queues, PipelineOptions options, RepresentationRegistry representations, ILoggerFactory? loggers = null)
{
    /// <summary>Attempts per upload, as the Functions host retries a failing blob trigger before giving up on it.</summary>
    public const int IngestionAttempts = 5;

    private readonly IJobQueue queue = queues.Queue;
    private readonly IJobSource source = queues.Source;
    private readonly ILoggerFactory _loggers = loggers ?? NullLoggerFactory.Instance;

    public async Task<LocalRunSummary> RunAsync(IEnumerable<string> modelDirectories, IReadOnlyList<string> photos, string batch, CancellationToken ct = default,
        IReadOnlyList<SkippedEntry>? skipped = null)
    {
        await store.EnsureContainersAsync([options.ImagesContainer, options.FeaturesContainer, options.ResultsContainer, options.ModelsContainer, options.TrainingContainer], ct);
        if (queue is IProvisionedQueue provisioned) await provisioned.EnsureCreatedAsync(ct);
        var registry = new ModelRegistry(store, options);
        foreach (var dir in modelDirectories) await registry.PublishAsync(dir, ct);

        var galleryWriter = new GalleryWriter(store, options);
        var ingestion = new IngestionService(store, queue, registry, galleryWriter, options, representations, _loggers.CreateLogger<IngestionService>());
        var recorder = new DeadLetterRecorder(store, galleryWriter, options, _loggers.CreateLogger<DeadLetterRecorder>());
        var logger = _loggers.CreateLogger<LocalPipeline>();
        await using var decoders = new DecoderPool(registry, options, representations, WorkerDevice.From(options).Device);
        var clock = Stopwatch.StartNew();
        var worker = new ReconstructionWorker(store, decoders, galleryWriter, options, _loggers.CreateLogger<ReconstructionWorker>());

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = Task.Run(() => source.RunAsync(worker, stop.Token), CancellationToken.None);
        var local = queue as InProcessJobQueue;
        var deadLetters = local is null ? Task.Run(() => queues.DeadLetters.RunAsync(recorder, stop.Token), CancellationToken.None) : Task.CompletedTask;
        // The user's uploads (timed apart: they are not the pipeline's work), then ingestion, concurrently, as the
        // Functions host runs blob triggers (host.json: 4 at a time). Blob names are the batch and the file name, as is.
        // Files whose names no store handles alike are not uploaded; they are recorded as refused under a safe name.
        var unusable = photos.Select(p => (Path: p, Name: $"{batch}/{Path.GetFileName(p)}"))
            .Select(u => (u.Path, u.Name, Problem: BlobNames.Problem(u.Name))).Where(u => u.Problem is not null).ToList();
        int inputs = photos.Count;
        var refusedPaths = unusable.Select(u => u.Path).ToHashSet();
        photos = photos.Where(p => !refusedPaths.Contains(p)).ToList();
        var names = photos.Select(p => $"{batch}/{Path.GetFileName(p)}").ToList();
        var errors = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, photos.Count), parallel, async (i, token) =>
        {
            try { await store.WriteAsync(options.ImagesContainer, names[i], await File.ReadAllBytesAsync(photos[i], token), ContentTypes.Binary, overwrite: true, token); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException || e is Azure.RequestFailedException)
            {
                errors[names[i]] = $"upload failed: {e.Message}";
            }
        });
        double uploadSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        int refused = 0;
        foreach (var (_, original, problem) in unusable)
        {
            var record = await ingestion.RefuseNameAsync(original, problem!, ct);
            names.Add(record.ImageBlob);
            refused++;
        }
        // Entries of the folder that were not uploaded are refusals with their reason, like any upload ingestion refuses.
        foreach (var entry in skipped ?? [])
        {
            string name = $"{batch}/{entry.Name}";
            if (BlobNames.Problem(name) is not null) name = BlobNames.SafeName(name);
            await ingestion.RefuseAsync(name, $"{BlobNames.Escape(entry.Name)}: {entry.Reason}", ct);
            names.Add(name);
            refused++;
        }
        var retry = RetryPolicy.From(options);
        await Parallel.ForEachAsync(Enumerable.Range(0, photos.Count), parallel, async (i, token) =>
        {
            if (errors.ContainsKey(names[i])) return;
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    await using var stream = await store.TryOpenReadAsync(options.ImagesContainer, names[i], token)
                        ?? throw new FileNotFoundException($"blob '{names[i]}' is gone");
                    var record = await ingestion.IngestAsync(names[i], stream, token); // the blob trigger's call
                    if (record is RefusedUpload) Interlocked.Increment(ref refused);
                    errors.TryRemove(names[i], out _);
                    return;
                }
                catch (Exception e) when (!token.IsCancellationRequested)
                {
                    errors[names[i]] = $"ingestion failed {attempt} times, last: {e.Message}";
                    logger.LogWarning(e, "Ingestion of {Blob} failed (attempt {Attempt} of {Attempts})", names[i], attempt, IngestionAttempts);
                    if (attempt == IngestionAttempts) return;
                    await Task.Delay(retry.Delay(attempt), token);
                }
            }
        });

        // Wait until every job is settled. The in-process queue knows (then its dead letters are recorded: nothing can
        // change after that, so nothing is awaited further); other queues are watched through the results, where a job
        // pending past the stall time stops the wait as "stalled".
        var query = new ResultsQuery(store, options);
        var ingested = names.Where(n => !errors.ContainsKey(n)).ToList();
        if (local is not null)
        {
            await Task.WhenAny(local.WhenIdleAsync(ct), running);
            await local.DrainDeadLettersAsync(recorder, ct);
        }
        else
        {
            var pending = new HashSet<string>(ingested);
            while (pending.Count > 0)
            {
                foreach (var n in pending.ToList())
                {
                    if ((await query.GetAsync(n, ct))?.Status != ResultsQuery.Pending) pending.Remove(n);
                }
                if (pending.Count == 0) break;
                if (running.IsCompleted) { await running; throw new InvalidOperationException("the worker stopped before the jobs were done"); }
                await Task.Delay(250, ct);
            }
        }
        stop.Cancel();
        await running;
        await deadLetters;
        string? galleryError = null;
        try { await galleryWriter.RebuildAsync(batch, ct); }
        catch (Exception e) when (e is IOException or Azure.RequestFailedException)
        {
            logger.LogError(e, "Could not write the gallery of {Batch}", batch);
            galleryError = e.Message;
        }
        var statuses = new List<ImageStatus>();
        foreach (var n in names)
        {
            ImageStatus? status = null;
            try { status = await query.GetAsync(n, ct); }
            catch (Exception e) when (e is IOException or Azure.RequestFailedException) { errors.TryAdd(n, $"status unreadable: {e.Message}"); }
            statuses.Add(Settled(status ?? new ImageStatus(n, ResultsQuery.Failed, null, errors.GetValueOrDefault(n, "not ingested"), null, [])));
        }
        // With the in-process queue idle and its dead letters drained nothing can change any more: a job still without a
        // result or a failure record is one whose records could not be stored (a full or failing disk). It is reported
        // failed with the dead letter's reason, not left "pending" for ever.
        ImageStatus Settled(ImageStatus s)
        {
            if (local is null || !s.Results.Any(r => r.Status == ResultsQuery.Pending)) return s;
            string? reason = local.DeadLetters.FirstOrDefault(d => d.Body.Contains(s.ImageId ?? "\0", StringComparison.Ordinal)).Reason;
            var results = s.Results.Select(r => r.Status != ResultsQuery.Pending ? r : r with
            {
                Status = ResultsQuery.Failed,
                Error = $"no result or failure record could be stored{(reason is null ? "" : $" (last error: {reason})")}",
            }).ToList();
            return s with { Status = ResultsQuery.Failed, Results = results };
        }
        int results = statuses.Sum(s => s.Results.Count(r => r.Status == ResultsQuery.Done));
        int failed = statuses.Sum(s => s.Results.Count(r => r.Status != ResultsQuery.Done));
        // The static gallery on a local folder; elsewhere the report its pages are rendered from (the function app serves the pages).
        string galleryBlob = galleryWriter.WritesPages ? BlobNames.Gallery(batch) : BlobNames.BatchReport(batch);
        // Only a gallery that exists is named: on a full disk its path would lead nowhere.
        string gallery = galleryError is null && await store.ExistsAsync(options.ResultsContainer, galleryBlob, ct)
            ? (await store.GetReadUrlAsync(options.ResultsContainer, galleryBlob, TimeSpan.FromHours(1), ct)).ToString()
            : $"not written ({galleryError ?? "no gallery was stored"})";
        return new LocalRunSummary(inputs + (skipped?.Count ?? 0), refused, results, failed, uploadSeconds, clock.Elapsed.TotalSeconds, gallery, statuses, errors);
    }

    /// <summary>Every regular file of a folder, ordered by name: what a user would drop into the container, hidden files
    /// included. Files that are not images are uploaded too and refused by ingestion with a reason.</summary>
    public static IReadOnlyList<string> FilesIn(string folder) => List(folder, followSymlinks: false).Files;

    /// <summary>
    /// A folder's entries: the regular files to upload, and everything else with why it is not uploaded — subfolders
    /// (a batch is one folder: upload a subfolder as a batch of its own), symbolic links unless
    /// <paramref name="followSymlinks"/> (a link may point anywhere on the machine, e.g. /etc/passwd), devices, FIFOs
    /// and sockets. Skipped entries are recorded as refused uploads, so they appear in the summary, the report and the
    /// gallery.
    /// </summary>
    public static FolderListing List(string folder, bool followSymlinks)
    {
        var files = new List<string>();
        var skipped = new List<SkippedEntry>();
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            string? reason = entry switch
            {
                { LinkTarget: { } target } when !followSymlinks => $"a symbolic link (to {target}): not followed; pipeline --follow-symlinks follows links",
                { LinkTarget: not null } when entry.ResolveLinkTarget(returnFinalTarget: true) is not FileInfo { Exists: true } resolved
                    || !FileStatus.IsRegular(resolved.FullName) => "a symbolic link to no regular file: not uploaded",
                { LinkTarget: not null } => null,
                DirectoryInfo => "a subfolder: not uploaded (a batch is one folder; run the pipeline on the subfolder for its images)",
                _ when !FileStatus.IsRegular(entry.FullName) => "not a regular file (a device, FIFO or socket): not uploaded",
                _ => null,
            };
            if (reason is null) files.Add(entry.FullName);
            else skipped.Add(new SkippedEntry(entry.Name, reason));
        }
        return new FolderListing(files, skipped);
    }

}
