using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Pipeline.Gallery;

/// <summary>
/// Keeps each batch's report (<see cref="BlobNames.BatchReport"/>, what the batch API serves) up to date, and on the
/// local folder store also the static gallery pages (<see cref="BlobNames.GalleryPage"/>, relative links that work
/// from the file system; in Blob Storage links need per-blob SAS, so the function app renders the pages instead).
/// Updates are incremental: a batch's <see cref="BatchReportBuilder"/> reads only new or rewritten records, pages
/// are written only when their HTML changed, and at most <see cref="MaxCachedBatches"/> builders are kept (least
/// recently used evicted). Batches marked changed are updated every <see cref="Interval"/>; after writing, the
/// writer lists again and updates once more if results arrived meanwhile, so the last report written by any worker
/// holds every result that existed when it was written.
/// </summary>
public sealed class GalleryWriter(IBlobStore store, StorageOptions storage, GalleryOptions galleryOptions)
    : IResultEvents
{
    public const int MaxCachedBatches = 64;

    private sealed class Entry(BatchReportBuilder builder)
    {
        public BatchReportBuilder Builder { get; } = builder;
        public SemaphoreSlim Lock { get; } = new(1, 1);
        public Dictionary<string, string> PageHashes { get; } = new(StringComparer.Ordinal);
        public long LastUsed;
        public BatchReport? Report;
    }

    private readonly ConcurrentDictionary<string, byte> _dirty = new();
    private readonly ConcurrentDictionary<string, Entry> _batches = new(StringComparer.Ordinal);
    private readonly TestSetCache _testSets = new(store, storage);
    private long _clock;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The wait between updates is at least this many times the last update's duration. An update serializes
    /// the whole report and renders every page, so its cost grows with the batch; at a fixed interval a batch of
    /// 1,000 photos spent a growing share of the run re-rendering and kept up to 280 MiB more GC heap committed,
    /// mostly large objects (docs/benchmarks.md). Scaled, the projection takes at most 1/(1 + factor) of one
    /// core.</summary>
    public double CostFactor { get; init; } = 10;

    /// <summary>How long the next periodic update waits after one that took <paramref name="lastUpdate"/>.</summary>
    public TimeSpan NextWait(TimeSpan lastUpdate) =>
        TimeSpan.FromTicks(Math.Max(Interval.Ticks, (long)(CostFactor * lastUpdate.Ticks)));

    /// <summary>Whether static HTML pages are written (the local folder store) besides the report.</summary>
    public bool WritesPages { get; } = WritesPagesOn(storage);

    /// <summary>Whether static pages are written for this configuration (the local folder store, whose relative links
    /// work).</summary>
    public static bool WritesPagesOn(StorageOptions storage) =>
        string.Equals(storage.Storage, BlobStoreKinds.Local.Name, StringComparison.OrdinalIgnoreCase);

    /// <summary>Marks the batch for the next update.</summary>
    public void ResultRecorded(string batch) => _dirty[batch] = 0;

    /// <summary>Updates changed batches every <see cref="Interval"/> (longer after a costly update,
    /// <see cref="CostFactor"/>) until cancelled, then once more.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            var last = TimeSpan.Zero;
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(NextWait(last), ct);
                long start = Stopwatch.GetTimestamp();
                await FlushAsync(ct);
                last = Stopwatch.GetElapsedTime(start);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        await FlushAsync(CancellationToken.None);
    }

    /// <summary>Updates every batch marked as changed; returns their names.</summary>
    public async Task<IReadOnlyList<string>> FlushAsync(CancellationToken ct = default)
    {
        var batches = _dirty.Keys.ToList();
        foreach (var batch in batches)
        {
            _dirty.TryRemove(batch, out _);
            await RebuildAsync(batch, ct);
        }
        return batches;
    }

    /// <summary>Brings the batch's report (and pages) up to date and returns the report.</summary>
    public async Task<BatchReport> RebuildAsync(string batch, CancellationToken ct = default)
    {
        var entry = EntryFor(batch);
        await entry.Lock.WaitAsync(ct);
        try
        {
            BatchReport report = null!;
            var listing = await entry.Builder.ListSourcesAsync(ct);
            for (int attempt = 0; attempt < 5; attempt++)
            {
                report = await entry.Builder.BuildAsync(listing, ct);
                if (!entry.Builder.LastChanged && entry.Report is not null)
                    return entry.Report; // its files are current
                entry.Report = report;
                await store.WriteAsync(
                    storage.ResultsContainer,
                    BlobNames.BatchReport(batch),
                    PipelineJson.Serialize(report),
                    ContentTypes.Json,
                    overwrite: true,
                    ct
                );
                if (WritesPages)
                    await WritePagesAsync(entry, report, ct);
                // results that arrived meanwhile: the next attempt builds from this listing
                listing = await entry.Builder.ListSourcesAsync(ct);
                if (listing.SequenceEqual(entry.Builder.Sources))
                    break;
            }
            return report;
        }
        catch
        {
            entry.Report = null;
            throw;
        } // a failed write is retried by the next update
        finally
        {
            entry.Lock.Release();
        }
    }

    private Entry EntryFor(string batch)
    {
        var entry = _batches.GetOrAdd(batch, b => new Entry(
            new BatchReportBuilder(store, storage, galleryOptions, b, _testSets.GetAsync)
        ));
        Interlocked.Exchange(ref entry.LastUsed, Interlocked.Increment(ref _clock));
        if (_batches.Count > MaxCachedBatches)
        {
            // Evicted builders are only forgotten (a later update of that batch reads its records again); one held by
            // a rebuild finishes normally.
            foreach (
                var old in _batches
                    .OrderBy(p => Interlocked.Read(ref p.Value.LastUsed))
                    .Take(_batches.Count - MaxCachedBatches)
                    .ToList()
            )
                if (old.Key != batch)
                    _batches.TryRemove(old.Key, out _);
        }
        return entry;
    }

    private async Task WritePagesAsync(Entry entry, BatchReport report, CancellationToken ct)
    {
        int pages = Math.Max(
            1,
            (report.Rows.Count + galleryOptions.GalleryPageSize - 1) / galleryOptions.GalleryPageSize
        );
        for (int page = 1; page <= pages; page++)
        {
            var model = GalleryPageModel.Build(
                report,
                page,
                galleryOptions.GalleryPageSize,
                Ranking.Default,
                StaticLinks(report.Batch, page),
                galleryOptions.StalledAfterMinutes,
                DateTimeOffset.UtcNow
            );
            string name = BlobNames.GalleryPage(report.Batch, page);
            // The update time changes every time; the model's hash leaves it out (a result that stalls counts).
            string hash = model.ContentHash();
            if (entry.PageHashes.TryGetValue(name, out var known) && known == hash)
                continue;
            string html = await GalleryHtml.RenderAsync(model);
            await store.WriteAsync(
                storage.ResultsContainer,
                name,
                Encoding.UTF8.GetBytes(html),
                ContentTypes.Html,
                overwrite: true,
                ct
            );
            entry.PageHashes[name] = hash;
        }
    }

    /// <summary>Links relative to a static page: <c>{batch}/index.html</c> for page 1,
    /// <c>{batch}/_gallery/page-N.html</c> after.</summary>
    public static GalleryLinks StaticLinks(string batch, int page)
    {
        string up = page <= 1 ? "" : "../";
        return new GalleryLinks(
            blob => up + string.Join('/', blob[(batch.Length + 1)..].Split('/').Select(Uri.EscapeDataString)),
            (target, sort) =>
                sort != Ranking.Default ? ""
                : target <= 1 ? up + "index.html"
                : (page <= 1 ? "_gallery/" : "") + $"page-{target}.html"
        );
    }
}
