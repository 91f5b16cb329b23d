using System.Diagnostics;
using FeatureInversion.Features;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Gallery;
using FeatureInversion.Pipeline.Hosting;
using FeatureInversion.Pipeline.Ingestion;
using FeatureInversion.Pipeline.Publishing;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeatureInversion.Reconstruction.Local;

/// <summary>
/// Runs the whole pipeline in one process, as the cloud does in several. Its generic host is composed like the cloud
/// hosts, from the same registrations (<c>AddPipelineCore</c>, <c>AddIngestion</c>, <c>AddDecoderWorker</c>) over
/// configuration held in memory, so options are validated at start and provisioning, the worker loop, the
/// dead-letter consumer and the gallery projection are the hosted services the worker container runs. What Azure
/// does outside the code is done here: the user's uploads, and the blob trigger (<see cref="IngestionTrigger"/>).
/// Works on any store and queue the settings name: a local folder with the in-process queue (the embedded default)
/// or Azurite blobs and a storage queue, with any representation of the registry (CNN layers included: this process
/// has TorchSharp).
/// </summary>
public sealed class LocalPipeline : IAsyncDisposable
{
    private readonly IHost _host;

    private LocalPipeline(IHost host) => _host = host;

    /// <summary>The host's services (options, store, queues), e.g. to describe where a run writes.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>
    /// Composes the local host. <paramref name="settings"/> are configuration keys (<c>Pipeline:Storage</c>, …) as
    /// the cloud hosts read them from their environment; <paramref name="configure"/> runs before the pipeline's
    /// registrations, so what it registers (a store or queue of its own, loggers) takes their place.
    /// </summary>
    public static LocalPipeline Create(
        IEnumerable<KeyValuePair<string, string?>> settings,
        RepresentationRegistry representations,
        Action<IServiceCollection>? configure = null
    )
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        configure?.Invoke(builder.Services);
        builder.Services.AddLogging();
        builder.Services.AddPipelineCore(builder.Configuration).AddIngestion().AddDecoderWorker(representations);
        // The containers the uploads and ingestion write to (the function app's are made by the deployment).
        builder.Services.AddSingleton(new ContainerNeed(o => o.ImagesContainer));
        builder.Services.AddSingleton(new ContainerNeed(o => o.FeaturesContainer));
        builder.Services.AddSingleton<IngestionTrigger>();
        builder.Services.AddSingleton<JobSettlement>();
        builder.Services.AddSingleton<ResultsQuery>();
        return new LocalPipeline(builder.Build());
    }

    /// <summary>
    /// Starts the host (options validated, containers and queue provisioned, worker running), publishes the decoder
    /// checkpoints of <paramref name="modelDirectories"/>, uploads <paramref name="photos"/> as batch
    /// <paramref name="batch"/> and fires the trigger for each, waits until every job is settled, stops the worker
    /// and writes the gallery. <paramref name="skipped"/> entries of the folder are recorded as refused uploads;
    /// <paramref name="settledUploads"/> hears how many uploads have no pending job, every
    /// <see cref="JobSettlement.ProgressInterval"/>.
    /// </summary>
    public async Task<LocalRunSummary> RunAsync(
        IEnumerable<string> modelDirectories,
        IReadOnlyList<string> photos,
        string batch,
        IReadOnlyList<SkippedEntry>? skipped = null,
        IProgress<int>? settledUploads = null,
        CancellationToken ct = default
    )
    {
        var services = _host.Services;
        services.ValidatePipelineSettings();
        await _host.StartAsync(ct);
        var storage = services.GetRequiredService<StorageOptions>();
        var store = services.GetRequiredService<IBlobStore>();
        var ingestion = services.GetRequiredService<IngestionService>();
        var gallery = services.GetRequiredService<GalleryWriter>();
        var settlement = services.GetRequiredService<JobSettlement>();
        var logger = services.GetRequiredService<ILogger<LocalPipeline>>();
        var registry = services.GetRequiredService<ModelRegistry>();
        foreach (var dir in modelDirectories)
            await registry.PublishAsync(dir, ct: ct);

        // The user's uploads (timed apart: they are not the pipeline's work). Blob names are the batch and the file
        // name, as is; files whose names no store handles alike are not uploaded but recorded as refused under a safe
        // name.
        var clock = Stopwatch.StartNew();
        var uploads = photos
            .Select(p => (Path: p, Name: $"{batch}/{Path.GetFileName(p)}"))
            .Select(u => (u.Path, u.Name, Problem: BlobNames.Problem(u.Name)))
            .ToList();
        var usable = uploads.Where(u => u.Problem is null).ToList();
        var uploadErrors = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        await Parallel.ForEachAsync(
            usable,
            new ParallelOptions { MaxDegreeOfParallelism = IngestionTrigger.Concurrency, CancellationToken = ct },
            async (u, token) =>
            {
                try
                {
                    await store.WriteAsync(
                        storage.ImagesContainer,
                        u.Name,
                        await File.ReadAllBytesAsync(u.Path, token),
                        ContentTypes.Binary,
                        overwrite: true,
                        token
                    );
                }
                catch (Exception e)
                    when (e is IOException or UnauthorizedAccessException or ArgumentException
                        || e is Azure.RequestFailedException
                    )
                {
                    uploadErrors[u.Name] = $"upload failed: {e.Message}";
                }
            }
        );
        double uploadSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();

        var names = usable.Select(u => u.Name).ToList();
        int refused = 0;
        foreach (var u in uploads.Where(u => u.Problem is not null))
        {
            names.Add((await ingestion.RefuseNameAsync(u.Name, u.Problem!, ct)).ImageBlob);
            refused++;
        }
        foreach (var entry in skipped ?? [])
        {
            string name = $"{batch}/{entry.Name}";
            if (BlobNames.Problem(name) is not null)
                name = BlobNames.SafeName(name);
            await ingestion.RefuseAsync(name, $"{BlobNames.Escape(entry.Name)}: {entry.Reason}", ct);
            names.Add(name);
            refused++;
        }
        // Uploads whose jobs are all over, counted as the worker goes (from ingestion on: they run together).
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watcher = settledUploads is null
            ? Task.CompletedTask
            : settlement.WatchAsync(names, settledUploads, watching.Token);
        var triggered = await services
            .GetRequiredService<IngestionTrigger>()
            .FireAsync(usable.Select(u => u.Name).Where(n => !uploadErrors.ContainsKey(n)).ToList(), ct);
        refused += triggered.Refused;
        var errors = new Dictionary<string, string>(uploadErrors, StringComparer.Ordinal);
        foreach (var (blob, error) in triggered.Errors)
            errors[blob] = error;

        // Until every job is settled; a worker loop that dies stops the host, which ends the wait.
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct, lifetime.ApplicationStopping))
        {
            try
            {
                await settlement.WaitAsync(names.Where(n => !errors.ContainsKey(n)).ToList(), wait.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new InvalidOperationException("the worker stopped before the jobs were done");
            }
            finally
            {
                await watching.CancelAsync();
                await watcher;
            }
        }
        try
        {
            await _host.StopAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or Azure.RequestFailedException or AggregateException)
        {
            // The gallery projection's last flush on a failing store; the rebuild below reports it.
            logger.LogWarning(e, "Stopping the worker: {Error}", e.Message);
        }

        string? galleryError = null;
        try
        {
            await gallery.RebuildAsync(batch, ct);
        }
        catch (Exception e) when (e is IOException or Azure.RequestFailedException)
        {
            logger.LogError(e, "Could not write the gallery of {Batch}", batch);
            galleryError = e.Message;
        }
        var query = services.GetRequiredService<ResultsQuery>();
        var statuses = new List<ImageStatus>();
        foreach (var n in names)
        {
            ImageStatus? status = null;
            try
            {
                status = await query.GetAsync(n, ct);
            }
            catch (Exception e) when (e is IOException or Azure.RequestFailedException)
            {
                errors.TryAdd(n, $"status unreadable: {e.Message}");
            }
            statuses.Add(
                settlement.Final(
                    status
                        ?? new ImageStatus(
                            n,
                            JobStatus.Failed,
                            null,
                            errors.GetValueOrDefault(n, "not ingested"),
                            null,
                            []
                        )
                )
            );
        }
        int results = statuses.Sum(s => s.Results.Count(r => r.Status == JobStatus.Done));
        int failed = statuses.Sum(s => s.Results.Count(r => r.Status != JobStatus.Done));
        // The static gallery on a local folder; elsewhere the report its pages are rendered from (the function app
        // serves the pages).
        string galleryBlob = gallery.WritesPages ? BlobNames.Gallery(batch) : BlobNames.BatchReport(batch);
        // Only a gallery that exists is named: on a full disk its path would lead nowhere.
        string where =
            galleryError is null && await store.ExistsAsync(storage.ResultsContainer, galleryBlob, ct)
                ? (
                    await store.GetReadUrlAsync(storage.ResultsContainer, galleryBlob, TimeSpan.FromHours(1), ct)
                ).ToString()
                : $"not written ({galleryError ?? "no gallery was stored"})";
        return new LocalRunSummary(
            photos.Count + (skipped?.Count ?? 0),
            refused,
            results,
            failed,
            uploadSeconds,
            clock.Elapsed.TotalSeconds,
            where,
            statuses,
            errors
        );
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is IAsyncDisposable disposable)
            await disposable.DisposeAsync();
        else
            _host.Dispose();
    }
}
