using System.Diagnostics;
using FeatureInversion.Pipeline.Gallery;
using FeatureInversion.Pipeline.Hosting;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Benchmarks;

/// <summary>
/// Cost of keeping a large batch's gallery current, on the local folder store: a synthetic batch of N uploads × 3
/// representations written as the pipeline writes them (ingestion records, metrics, images as small files). Cases:
/// a full rebuild (a fresh writer reads every record: what every update cost before, and what a restarted worker pays
/// once), an update after one new result (the incremental path), an update with nothing changed, and the function
/// app's render of one page. Medians of 5 after a warm-up. With <c>--whole</c> each result also has its whole image
/// and re-identification thumbnails (32 × 32, as the pipeline writes them by default since issue 25), so the report
/// ranks every whole result among the batch's photos. Also printed: the managed memory a worker keeps for the batch
/// (its writer after the first rebuild: the builder's records and thumbnails and the last report), per upload.
/// </summary>
internal static class GalleryBenchmark
{
    private static readonly string[] Versions =
    [
        "hog-64px-w0.25-20260101T000000Z",
        "sift-grid-64px-w0.25-20260101T000000Z",
        "lbp-64px-w0.25-20260101T000000Z",
    ];

    public static int Run(string[] args)
    {
        int images = Option(args, "--images") is { } n ? int.Parse(n) : 4000;
        string? connection = Option(args, "--connection");
        bool whole = args.Contains("--whole");
        string root = Directory.CreateTempSubdirectory("fi-gallery-bench-").FullName;
        var options = connection is null
            ? new StorageOptions { Storage = "local", LocalRoot = root }
            : new StorageOptions
            {
                Storage = "azure",
                BlobConnectionString = connection,
                ResultsContainer = "gallery-bench-" + Guid.NewGuid().ToString("N")[..8],
            };
        var galleryOptions = new GalleryOptions();
        using var azureClients = PipelineAzureClients.Standalone(options, new QueueOptions());
        var store = BlobStoreKinds.Create(options, azureClients);
        try
        {
            store.EnsureContainersAsync([options.ResultsContainer, options.ModelsContainer]).GetAwaiter().GetResult();
            const int pending = 6; // the last images' lbp results arrive during the measurement
            var arriving = Write(store, options, "bench", images, pending, whole).GetAwaiter().GetResult();
            string where = connection is null
                ? "a local folder (report and static pages)"
                : $"Azure Blob Storage API at {(store as AzureBlobStore)!.Service.Uri} (report only)";
            Console.WriteLine(
                $"# {Environment.ProcessorCount} cores; batch of {images} uploads × {Versions.Length} representations "
                    + $"{(whole ? "with whole images and thumbnails " : "")}on {where}; page size "
                    + $"{galleryOptions.GalleryPageSize}"
            );

            var full = new List<double>();
            var incremental = new List<double>();
            var unchanged = new List<double>();
            var render = new List<double>();
            long before = GC.GetTotalMemory(forceFullCollection: true);
            var warm = new GalleryWriter(store, options, galleryOptions);
            warm.RebuildAsync("bench").GetAwaiter().GetResult(); // warm-up and the warm writer's first (full) read
            long kept = GC.GetTotalMemory(forceFullCollection: true) - before;
            GC.KeepAlive(warm);
            var query = new BatchQuery(store, options, galleryOptions, warm);
            var report = query.ReportAsync("bench").GetAwaiter().GetResult()!;
            query.RenderAsync(report, 1, Ranking.Default).GetAwaiter().GetResult();
            for (int run = 0; run < 5; run++)
            {
                full.Add(Time(() => new GalleryWriter(store, options, galleryOptions).RebuildAsync("bench")));
                var (name, body) = arriving[run];
                store
                    .WriteAsync(options.ResultsContainer, name, body, ContentTypes.Json, overwrite: false)
                    .GetAwaiter()
                    .GetResult();
                incremental.Add(Time(() => warm.RebuildAsync("bench")));
                unchanged.Add(Time(() => warm.RebuildAsync("bench")));
                render.Add(Time(() => query.RenderAsync(report, 1 + run, Ranking.Default)));
            }
            long reportBytes = store
                .TryReadAsync(options.ResultsContainer, BlobNames.BatchReport("bench"))
                .GetAwaiter()
                .GetResult()!
                .Length;
            long pageBytes = query.RenderAsync(report, 1, Ranking.Default).GetAwaiter().GetResult().Length;
            Console.WriteLine("| update (median of 5) | ms |");
            Console.WriteLine("|---|---:|");
            Console.WriteLine(
                $"| full rebuild: fresh writer reads all {images * (1 + Versions.Length)} records, writes report and "
                    + $"pages | {Median(full):F0} |"
            );
            Console.WriteLine(
                $"| incremental: one new result (1 record read), report and changed pages written | "
                    + $"{Median(incremental):F0} |"
            );
            Console.WriteLine($"| nothing changed (listing only) | {Median(unchanged):F0} |");
            Console.WriteLine(
                $"| function app: render one page of {galleryOptions.GalleryPageSize} rows (links signed per blob; "
                    + $"file URLs here) | {Median(render):F0} |"
            );
            Console.WriteLine(
                $"# full / incremental = {Median(full) / Median(incremental):F1}x; report.json {reportBytes / 1024} "
                    + $"KiB, a page {pageBytes / 1024} KiB"
            );
            Console.WriteLine(
                $"# kept by the writer for the batch: {kept / 1024.0 / 1024:F1} MiB managed, "
                    + $"{kept / 1024.0 / images:F1} KiB per upload"
            );
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
            if (store is AzureBlobStore azure)
                azure.Service.DeleteBlobContainer(options.ResultsContainer);
        }
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>Writes the batch; returns the metrics records of the <paramref name="pending"/> results left out, to
    /// arrive later.</summary>
    private static async Task<List<(string Name, byte[] Body)>> Write(
        IBlobStore store,
        StorageOptions options,
        string batch,
        int images,
        int pending,
        bool whole
    )
    {
        var later = new System.Collections.Concurrent.ConcurrentBag<(string, byte[])>();
        byte[] png = ImageFiles.EncodePng(new ColorImage(64, 64));
        await Parallel.ForAsync(0, images, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var random = new Random(i);
            string id = i.ToString("x32"),
                blob = $"{batch}/photo-{i:00000}.jpg";
            var jobs = Versions
                .Select(v => new IngestedJob(
                    $"{id}-{v}",
                    v[..v.IndexOf("-64px", StringComparison.Ordinal)],
                    v,
                    $"{id}/f.npy"
                ))
                .ToList();
            await Put(BlobNames.Thumbnail(batch, id), png);
            await Put(BlobNames.Original(batch, id, 64), png);
            // Noise thumbnails: each photo its own, each whole reconstruction its photo's with noise added
            ColorImage Noise(ColorImage? like) =>
                new(
                    32,
                    32,
                    Enumerable
                        .Range(0, 3 * 32 * 32)
                        .Select(k => (like is null ? 0 : 0.8f * like.Planes[k]) + 0.2f * (float)random.NextDouble())
                        .ToArray()
                );
            var photo = whole ? Noise(null) : null;
            foreach (var job in jobs)
            {
                await Put(BlobNames.Reconstruction(batch, id, job.DecoderVersion), png);
                await Put(BlobNames.FeatureEnergy(batch, id, job.DecoderVersion), png);
                if (whole)
                    await Put(BlobNames.WholeReconstruction(batch, id, job.DecoderVersion), png);
                var metrics = PipelineJson.Serialize(
                    new ResultMetrics
                    {
                        JobId = job.JobId,
                        ImageBlob = blob,
                        ImageId = id,
                        Representation = job.Representation,
                        DecoderVersion = job.DecoderVersion,
                        ImageSize = 64,
                        NormalizedError = 0.3 + 0.4 * random.NextDouble(),
                        MeanImageError = 0.5 + 0.4 * random.NextDouble(),
                        ColorGain = 0.01,
                        Psnr = 18,
                        Ssim = 0.4,
                        Reconstruction = BlobNames.Reconstruction(batch, id, job.DecoderVersion),
                        Original = BlobNames.Original(batch, id, 64),
                        FeatureEnergy = BlobNames.FeatureEnergy(batch, id, job.DecoderVersion),
                        Whole = photo is null
                            ? null
                            : new WholeResult
                            {
                                Reconstruction = BlobNames.WholeReconstruction(batch, id, job.DecoderVersion),
                                Width = 96,
                                Height = 64,
                                OriginalImageId = id,
                                ErrorRatio = 0.6 + 0.3 * random.NextDouble(),
                                Ssim = 0.3,
                                ReconstructionSignature = ImageSignature.Encode(Noise(photo)),
                            },
                    }
                );
                string name = BlobNames.Metrics(batch, id, job.DecoderVersion);
                if (i >= images - pending && job.Representation == "lbp")
                    later.Add((name, metrics));
                else
                    await Put(name, metrics);
            }
            await Put(
                BlobNames.Ingestion(blob),
                PipelineJson.Serialize<IngestionRecord>(
                    new AcceptedUpload
                    {
                        ImageBlob = blob,
                        Batch = batch,
                        ImageId = id,
                        Width = 640,
                        Height = 480,
                        Jobs = jobs,
                        IngestedUtc = DateTimeOffset.UtcNow,
                        Signature = photo is null ? null : ImageSignature.Encode(photo),
                    }
                )
            );
        });
        return later.OrderBy(l => l.Item1, StringComparer.Ordinal).ToList();

        Task Put(string name, byte[] content) =>
            store.WriteAsync(options.ResultsContainer, name, content, ContentTypes.Binary, overwrite: true);
    }

    private static double Time(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        action().GetAwaiter().GetResult();
        return clock.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
