using System.Text;
using System.Text.RegularExpressions;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Gallery;
using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>The batch report and gallery over records written as the pipeline writes them (no decoders
/// needed).</summary>
public sealed class GalleryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fi-gallery-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Hog = "hog-64px-w0.25-20260101T000000Z",
        Lbp = "lbp-64px-w0.25-20260101T000000Z";

    internal static async Task<(LocalBlobStore Store, PipelineSettings Options)> BatchAsync(
        string root,
        string batch,
        IReadOnlyList<(string Name, double Hog, double Lbp, double Baseline)> images,
        bool refused = true,
        bool pendingLbpOfLast = false
    )
    {
        var store = new LocalBlobStore(root);
        var options = new PipelineSettings
        {
            Storage = new() { Storage = "local", LocalRoot = root },
            Gallery = new() { GalleryPageSize = 10 },
        };
        var png = ImageFiles.EncodePng(new ColorImage(8, 8));
        for (int i = 0; i < images.Count; i++)
        {
            var (name, hog, lbp, baseline) = images[i];
            string id = i.ToString("x32");
            string blob = $"{batch}/{name}";
            var jobs = new List<IngestedJob>
            {
                new($"{id}-{Hog}", "hog", Hog, "f"),
                new($"{id}-{Lbp}", "lbp", Lbp, "f"),
            };
            await WriteIngestion(
                store,
                options,
                new AcceptedUpload
                {
                    ImageBlob = blob,
                    Batch = batch,
                    ImageId = id,
                    Width = 300,
                    Height = 200,
                    Jobs = jobs,
                    IngestedUtc = DateTimeOffset.UtcNow,
                }
            );
            await Write(store, options, BlobNames.Thumbnail(batch, id), png);
            await Write(store, options, BlobNames.Original(batch, id, 64), png);
            foreach (var (version, error) in new[] { (Hog, hog), (Lbp, lbp) })
            {
                if (pendingLbpOfLast && i == images.Count - 1 && version == Lbp)
                    continue;
                await Write(store, options, BlobNames.Reconstruction(batch, id, version), png);
                await Write(store, options, BlobNames.FeatureEnergy(batch, id, version), png);
                await Write(
                    store,
                    options,
                    BlobNames.Metrics(batch, id, version),
                    PipelineJson.Serialize(
                        new ResultMetrics
                        {
                            JobId = $"{id}-{version}",
                            ImageBlob = blob,
                            ImageId = id,
                            Representation = version[..3],
                            DecoderVersion = version,
                            ImageSize = 64,
                            NormalizedError = error,
                            MeanImageError = baseline,
                            ColorGain = 0.01,
                            Psnr = 20,
                            Ssim = 0.5,
                            Reconstruction = BlobNames.Reconstruction(batch, id, version),
                            Original = BlobNames.Original(batch, id, 64),
                            FeatureEnergy = BlobNames.FeatureEnergy(batch, id, version),
                        }
                    )
                );
            }
        }
        if (refused)
            await WriteIngestion(
                store,
                options,
                new RefusedUpload
                {
                    ImageBlob = $"{batch}/notes.txt",
                    Batch = batch,
                    Error = "notes.txt: not a recognised image format.",
                }
            );
        return (store, options);
    }

    private static Task Write(IBlobStore store, PipelineSettings options, string name, byte[] content) =>
        store.WriteAsync(options.Storage.ResultsContainer, name, content, ContentTypes.Binary, overwrite: true);

    /// <summary>An ingestion record under the name ingestion gives it, from its upload's blob.</summary>
    private static Task WriteIngestion(IBlobStore store, PipelineSettings options, IngestionRecord record) =>
        Write(store, options, BlobNames.Ingestion(record.ImageBlob), PipelineJson.Serialize(record));

    [Fact]
    public async Task TheReportSummarisesEachRepresentationRanksByRevealAndFlagsResultsNoBetterThanTheBaseline()
    {
        var (store, options) = await BatchAsync(
            _dir,
            "audit",
            [("a.jpg", 0.50, 0.90, 0.80), ("b.jpg", 0.20, 0.30, 0.50), ("c.jpg", 0.70, 0.75, 0.70)]
        );
        var report = await new GalleryWriter(store, options.Storage, options.Gallery).RebuildAsync("audit");

        Assert.Equal(4, report.Uploads);
        Assert.Equal(1, report.Refused);
        // Reveals = 1 − the lowest error ÷ baseline: b 1 − min(0.2/0.5, 0.3/0.5) = 0.6; a 1 − 0.5/0.8 = 0.375; c 1 −
        // 0.7/0.7 = 0 (no closer than the mean image) — most revealing first, then the refused upload.
        Assert.Equal(
            ["audit/b.jpg", "audit/a.jpg", "audit/c.jpg", "audit/notes.txt"],
            report.Rows.Select(r => r.ImageBlob)
        );
        Assert.Equal(0.6, report.Rows[0].Reveal!.Value, 12);
        Assert.Equal(0.0, report.Rows[2].Reveal!.Value, 12);
        var hog = report.Representations.Single(r => r.Representation == "hog");
        Assert.Equal((0.5 + 0.2 + 0.7) / 3, hog.MeanError!.Value, 12);
        Assert.Equal((0.8 + 0.5 + 0.7) / 3, hog.MeanBaselineError!.Value, 12);
        // c's hog error equals its baseline: not better
        Assert.Equal((2, 3, 3), (hog.BeatBaseline, hog.Compared, hog.Done));
        var lbp = report.Representations.Single(r => r.Representation == "lbp");
        Assert.Equal(1, lbp.BeatBaseline); // a's 0.9 > 0.8 and c's 0.75 > 0.7 are flagged
        var a = report.Rows[1].Results.Single(c => c.Representation == "lbp");
        Assert.True(a.WorseThanBaseline);
        Assert.True(a.BaselineIsPerImage);

        string html = Encoding.UTF8.GetString(
            (await store.TryReadAsync(options.Storage.ResultsContainer, "audit/index.html"))!
        );
        Assert.Contains("lower is better", html);
        Assert.Contains("decoder input: centre square at 64 px", html);
        // the score's definition, in the header and the tooltip
        Assert.Contains("higher means the features reveal more", html);
        // The legend is the ramp the feature views are painted with, first stop to last.
        var (first, last) = (
            FeatureInversion.Features.FeatureEnergy.RampStops[0],
            FeatureInversion.Features.FeatureEnergy.RampStops[^1]
        );
        Assert.Matches(
            $@"--scale-stops:rgb\({first.R},{first.G},{first.B}\),[^}}]*rgb\({last.R},{last.G},{last.B}\)}}",
            html
        );
        Assert.Matches(@"\.scale \{[^}]*linear-gradient\(90deg, var\(--scale-stops\)\)", html);
        Assert.Equal(3, Regex.Count(html, "no better than the mean image"));
        Assert.DoesNotContain("data:image", html);
        Assert.Contains("refused: notes.txt: not a recognised image format.", html);
    }

    [Fact]
    public async Task ANonFiniteResultIsCountedAsFailedNeverAsDoneOrBeatingTheBaseline()
    {
        var (store, options) = await BatchAsync(
            _dir,
            "nan",
            [("a.jpg", 0.50, 0.60, 0.80), ("b.jpg", 0.20, 0.30, 0.50)],
            refused: false
        );
        // A record as workers wrote them before they refused non-finite output ("NaN" as a JSON string).
        string blob = BlobNames.Metrics("nan", 0.ToString("x32"), Hog);
        var old = System.Text.Json.JsonSerializer.Deserialize<System.Text.Json.Nodes.JsonObject>(
            (await store.TryReadAsync(options.Storage.ResultsContainer, blob))!
        )!;
        old["normalizedError"] = "NaN";
        old["distance"] = "NaN";
        await Write(store, options, blob, Encoding.UTF8.GetBytes(old.ToJsonString()));

        var report = await new GalleryWriter(store, options.Storage, options.Gallery).RebuildAsync("nan");
        var hog = report.Representations.Single(r => r.Representation == "hog");
        Assert.Equal((1, 1, 1, 1), (hog.Done, hog.Failed, hog.BeatBaseline, hog.Compared));
        Assert.Equal(0.20, hog.MeanError!.Value, 12);
        var cell = report.Rows.Single(r => r.ImageBlob == "nan/a.jpg").Results.Single(c => c.Representation == "hog");
        Assert.Equal(JobStatus.Failed, cell.Status);
        Assert.Contains("not finite", cell.Error);
        string json = Encoding.UTF8.GetString(
            (await store.TryReadAsync(options.Storage.ResultsContainer, BlobNames.BatchReport("nan")))!
        );
        Assert.DoesNotContain("NaN", json);

        // Nothing the pipeline writes can hold one.
        var metrics = PipelineJson.Deserialize<ResultMetrics>(Encoding.UTF8.GetBytes(old.ToJsonString()));
        Assert.Equal(nameof(ResultMetrics.Distance), metrics.NonFiniteField());
        Assert.Throws<ArgumentException>(() => PipelineJson.Serialize(metrics));
    }

    /// <summary>Re-identification in the report: each whole result's rank among the batch's photos, the same whether
    /// the results arrive one build at a time (compared only with what is new) or are all built at once, and as
    /// <see cref="ImageSignature.Rank"/> gives it directly; the summary counts the top-1 and top-5.</summary>
    [Fact]
    public async Task ReidentificationRanksAreTheSameBuiltAsResultsArriveOrAllAtOnce()
    {
        const string batch = "reid";
        var (store, options) = ReidentificationBatch();
        var random = new Random(7);
        var photos = Enumerable.Range(0, 7).Select(_ => NoisePhoto(random)).ToList();
        // each result is its photo with a little noise, except the last two, which look like another photo
        var reconstructions = photos
            .Select(
                (_, i) =>
                    new ColorImage(
                        32,
                        32,
                        photos[i >= 5 ? (i + 1) % photos.Count : i]
                            .Planes.Select(v => 0.8f * v + 0.2f * (float)random.NextDouble())
                            .ToArray()
                    )
            )
            .ToList();
        var ids = await WritePhotosAsync(store, options, batch, photos);
        var arriving = new BatchReportBuilder(store, options.Storage, options.Gallery, batch, NoTestSet);
        for (int i = 0; i < photos.Count; i++)
        {
            await WriteWholeResultAsync(store, options, batch, ids[i], i, reconstructions[i]);
            await arriving.BuildAsync();
        }
        var incremental = await arriving.BuildAsync();
        var atOnce = await new BatchReportBuilder(
            store,
            options.Storage,
            options.Gallery,
            batch,
            NoTestSet
        ).BuildAsync();

        for (int i = 0; i < photos.Count; i++)
        {
            var reconstruction = ImageSignature.Decode(ImageSignature.Encode(reconstructions[i]))!;
            var candidates = photos
                .Select(p => ImageSignature.Decode(ImageSignature.Encode(p))!)
                .Select(c => ImageSignature.Similarity(reconstruction, c))
                .ToList();
            int expected = ImageSignature.Rank(candidates, i);
            foreach (var report in new[] { incremental, atOnce })
            {
                var whole = report.Rows.Single(r => r.ImageId == ids[i]).Results.Single().Whole!;
                Assert.Equal((expected, 7), (whole.Rank!.Value, whole.Candidates!.Value));
            }
        }
        var ranks = atOnce.Rows.Select(r => r.Results.Single().Whole!.Rank!.Value).ToList();
        Assert.Contains(1, ranks);
        Assert.Contains(ranks, r => r > 1);
        var summary = atOnce.Representations.Single().Reidentification!;
        Assert.Equal(
            (7, 7, ranks.Count(r => r == 1), ranks.Count(r => r <= 5)),
            (summary.Candidates, summary.Ranked, summary.Top1, summary.Top5)
        );
        Assert.Equal(summary, incremental.Representations.Single().Reidentification);
    }

    /// <summary>A result rewritten with another reconstruction (a rerun) is ranked again from its new thumbnail; the
    /// builder keeps the thumbnails decoded apart from the records, so the new one must replace the old.</summary>
    [Fact]
    public async Task ARewrittenResultIsRankedAgainFromItsNewReconstruction()
    {
        const string batch = "rerank";
        var (store, options) = ReidentificationBatch();
        var random = new Random(11);
        var photos = Enumerable.Range(0, 4).Select(_ => NoisePhoto(random)).ToList();
        var ids = await WritePhotosAsync(store, options, batch, photos);
        async Task WriteResult(int i, ColorImage reconstruction, DateTime written)
        {
            await WriteWholeResultAsync(store, options, batch, ids[i], i, reconstruction);
            string name = BlobNames.Metrics(batch, ids[i], Hog);
            File.SetLastWriteTimeUtc(store.PathOf(options.Storage.ResultsContainer, name), written); // a new version
        }
        var start = DateTime.UtcNow;
        for (int i = 0; i < photos.Count; i++)
            await WriteResult(i, photos[i], start);
        var builder = new BatchReportBuilder(store, options.Storage, options.Gallery, batch, NoTestSet);
        int Rank(BatchReport report, int i) =>
            report.Rows.Single(r => r.ImageId == ids[i]).Results.Single().Whole!.Rank!.Value;
        var first = await builder.BuildAsync();
        Assert.All(Enumerable.Range(0, photos.Count), i => Assert.Equal(1, Rank(first, i)));

        await WriteResult(0, photos[2], start.AddMinutes(1)); // the first result now shows the third photo
        var second = await builder.BuildAsync();
        var shown = ImageSignature.Decode(ImageSignature.Encode(photos[2]))!;
        int expected = ImageSignature.Rank(
            photos
                .Select(p => ImageSignature.Similarity(shown, ImageSignature.Decode(ImageSignature.Encode(p))!))
                .ToList(),
            0
        );
        Assert.True(expected > 1);
        Assert.Equal(expected, Rank(second, 0));
        Assert.All(Enumerable.Range(1, photos.Count - 1), i => Assert.Equal(1, Rank(second, i)));
    }

    private (LocalBlobStore Store, PipelineSettings Options) ReidentificationBatch() =>
        (
            new LocalBlobStore(_dir),
            new PipelineSettings
            {
                Storage = new() { Storage = "local", LocalRoot = _dir },
            }
        );

    /// <summary>A 32 × 32 photo of uniform noise: any two are told apart by their thumbnails.</summary>
    private static ColorImage NoisePhoto(Random random) =>
        new(32, 32, Enumerable.Range(0, 3 * 32 * 32).Select(_ => (float)random.NextDouble()).ToArray());

    /// <summary>The ingestion records of photos p0, p1, … of <paramref name="batch"/>, each with one HOG job and its
    /// re-identification thumbnail; their image ids, 1, 2, … as 32 hex digits.</summary>
    private static async Task<List<string>> WritePhotosAsync(
        LocalBlobStore store,
        PipelineSettings options,
        string batch,
        IReadOnlyList<ColorImage> photos
    )
    {
        var ids = photos.Select((_, i) => (i + 1).ToString("x32")).ToList();
        for (int i = 0; i < photos.Count; i++)
            await WriteIngestion(
                store,
                options,
                new AcceptedUpload
                {
                    ImageBlob = $"{batch}/p{i}.jpg",
                    ImageId = ids[i],
                    Batch = batch,
                    Jobs = [new($"{ids[i]}-{Hog}", "hog", Hog, "f")],
                    Signature = ImageSignature.Encode(photos[i]),
                }
            );
        return ids;
    }

    /// <summary>Photo p<paramref name="index"/>'s HOG result with a whole image whose thumbnail is
    /// <paramref name="reconstruction"/>'s.</summary>
    private static Task WriteWholeResultAsync(
        LocalBlobStore store,
        PipelineSettings options,
        string batch,
        string id,
        int index,
        ColorImage reconstruction
    ) =>
        Write(
            store,
            options,
            BlobNames.Metrics(batch, id, Hog),
            PipelineJson.Serialize(
                new ResultMetrics
                {
                    JobId = $"{id}-{Hog}",
                    ImageBlob = $"{batch}/p{index}.jpg",
                    ImageId = id,
                    Representation = "hog",
                    DecoderVersion = Hog,
                    ImageSize = 64,
                    Reconstruction = "r.png",
                    Whole = new WholeResult
                    {
                        Reconstruction = "w.png",
                        OriginalImageId = id,
                        ReconstructionSignature = ImageSignature.Encode(reconstruction),
                    },
                }
            )
        );

    private static Task<FeatureInversion.Models.EvaluationRecord?> NoTestSet(
        string r,
        string v,
        CancellationToken ct
    ) => Task.FromResult<FeatureInversion.Models.EvaluationRecord?>(null);

    [Fact]
    public async Task UploadNamesAndErrorsAreShownAsTextNeverAsMarkup()
    {
        // Upload names are the uploader's choice and end up in the page (and refusal reasons quote them).
        const string hostile = "<img src=x onerror=alert(1)>\"'&.jpg";
        var (store, options) = await BatchAsync(_dir, "x<b>", [(hostile, 0.5, 0.5, 0.8)], refused: false);
        await WriteIngestion(
            store,
            options,
            new RefusedUpload
            {
                ImageBlob = "x<b>/<svg onload=alert(2)>.txt",
                Batch = "x<b>",
                Error = "<svg onload=alert(2)>.txt: not a recognised image format.",
            }
        );
        await new GalleryWriter(store, options.Storage, options.Gallery).RebuildAsync("x<b>");
        string html = Encoding.UTF8.GetString(
            (await store.TryReadAsync(options.Storage.ResultsContainer, "x<b>/index.html"))!
        );
        Assert.DoesNotContain("<img src=x", html);
        Assert.DoesNotContain("<svg", html);
        Assert.DoesNotContain("<b>x", html);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;&quot;&#x27;&amp;.jpg", html);
        Assert.Contains("refused: &lt;svg onload=alert(2)&gt;.txt: not a recognised image format.", html);
    }

    [Fact]
    public async Task StaticPagesArePaginatedAndEveryLinkAndImageResolvesToABlobOfTheBatch()
    {
        var images = Enumerable.Range(0, 23).Select(i => ($"p{i:00}.jpg", 0.1 + i * 0.01, 0.5, 1.0)).ToList();
        var (store, options) = await BatchAsync(_dir, "big/2026", images);
        var writer = new GalleryWriter(store, options.Storage, options.Gallery);
        await writer.RebuildAsync("big/2026");

        string batchDir = Path.Combine(_dir, options.Storage.ResultsContainer, "big", "2026");
        var pages = new[]
        {
            Path.Combine(batchDir, "index.html"),
            Path.Combine(batchDir, "_gallery", "page-2.html"),
            Path.Combine(batchDir, "_gallery", "page-3.html"),
        };
        Assert.All(pages, p => Assert.True(File.Exists(p), p));
        Assert.False(File.Exists(Path.Combine(batchDir, "_gallery", "page-4.html")));
        var rowsSeen = new List<string>();
        foreach (var page in pages)
        {
            string html = File.ReadAllText(page);
            foreach (Match m in Regex.Matches(html, "(?:src|href)=\"([^\"]+)\""))
            {
                string target = Path.GetFullPath(
                    Path.Combine(
                        Path.GetDirectoryName(page)!,
                        Uri.UnescapeDataString(System.Net.WebUtility.HtmlDecode(m.Groups[1].Value))
                    )
                );
                Assert.True(File.Exists(target), $"{Path.GetFileName(page)} links to a missing {m.Groups[1].Value}");
                Assert.StartsWith(batchDir, target);
            }
            rowsSeen.AddRange(Regex.Matches(html, "data-name=\"([^\"]+)\"").Select(m => m.Groups[1].Value));
        }
        // 24 rows (23 images + the refused upload) over pages of 10, each once, in rank order.
        Assert.Equal(images.Select(i => "big/2026/" + i.Item1).Append("big/2026/notes.txt"), rowsSeen);
    }

    [Fact]
    public void PeriodicUpdatesWaitLongerAfterACostlyUpdate()
    {
        var writer = new GalleryWriter(new LocalBlobStore(_dir), new StorageOptions(), new GalleryOptions())
        {
            Interval = TimeSpan.FromSeconds(2),
            CostFactor = 10,
        };
        Assert.Equal(TimeSpan.FromSeconds(2), writer.NextWait(TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromSeconds(2), writer.NextWait(TimeSpan.FromMilliseconds(150)));
        // A batch whose report and pages take 0.6 s to rebuild is rebuilt at most every 6 s: 1/11 of a core.
        Assert.Equal(TimeSpan.FromSeconds(6), writer.NextWait(TimeSpan.FromMilliseconds(600)));
    }

    [Fact]
    public async Task UpdatesReadOnlyWhatChangedAndRewriteOnlyChangedPages()
    {
        var (store, options) = await BatchAsync(
            _dir,
            "inc",
            [("a.jpg", 0.5, 0.6, 0.8), ("b.jpg", 0.4, 0.5, 0.8)],
            pendingLbpOfLast: true
        );
        var builder = new BatchReportBuilder(store, options.Storage, options.Gallery, "inc", (_, _, _) =>
            Task.FromResult<FeatureInversion.Models.EvaluationRecord?>(null)
        );
        var first = await builder.BuildAsync();
        Assert.Equal(3 + 3, builder.LastReads); // 3 ingestion records (one refused), 3 metrics
        Assert.Equal(
            JobStatus.Pending,
            first.Rows.Single(r => r.ImageBlob == "inc/b.jpg").Results.Single(c => c.Representation == "lbp").Status
        );

        await builder.BuildAsync();
        Assert.Equal(0, builder.LastReads);

        // The pending result arrives: one more read, and the row shows it.
        var (full, _) = await BatchAsync(
            Path.Combine(_dir, "full"),
            "inc",
            [("a.jpg", 0.5, 0.6, 0.8), ("b.jpg", 0.4, 0.5, 0.8)],
            refused: false
        );
        string metrics = BlobNames.Metrics("inc", 1.ToString("x32"), Lbp);
        await store.WriteAsync(
            options.Storage.ResultsContainer,
            metrics,
            (await full.TryReadAsync(options.Storage.ResultsContainer, metrics))!,
            ContentTypes.Json,
            overwrite: false
        );
        var second = await builder.BuildAsync();
        Assert.Equal(1, builder.LastReads);
        Assert.Equal(
            JobStatus.Done,
            second.Rows.Single(r => r.ImageBlob == "inc/b.jpg").Results.Single(c => c.Representation == "lbp").Status
        );

        // A rewritten record (a re-uploaded file of the same name) is read again; a deleted one leaves the report.
        File.Delete(store.PathOf(options.Storage.ResultsContainer, BlobNames.Ingestion("inc/notes.txt")));
        var third = await builder.BuildAsync();
        Assert.Equal(0, third.Refused);
        Assert.Equal(0, builder.LastReads);

        var writer = new GalleryWriter(store, options.Storage, options.Gallery);
        await writer.RebuildAsync("inc");
        string index = store.PathOf(options.Storage.ResultsContainer, BlobNames.Gallery("inc"));
        // Back-date the page: a rewrite would stamp it with the current time, whatever the file system's clock
        // resolution.
        var old = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(index, old);
        await writer.RebuildAsync("inc");
        Assert.Equal(old, File.GetLastWriteTimeUtc(index)); // nothing changed: the page is not rewritten
    }

    [Fact]
    public async Task TheBatchQueryPagesSortsAndSignsEachBlobAndRefusesBadRequests()
    {
        var images = Enumerable
            .Range(0, 12)
            .Select(i => ($"q{i:00}.jpg", 0.9 - i * 0.05, 0.1 + i * 0.05, 1.0))
            .ToList();
        var (store, options) = await BatchAsync(_dir, "q", images);
        var query = new BatchQuery(
            store,
            options.Storage,
            options.Gallery,
            new GalleryWriter(store, options.Storage, options.Gallery)
        );
        Assert.Null(await query.ReportAsync("nothing-here"));
        var report = (await query.ReportAsync("q"))!;

        var byHog = await query.PageAsync(report, 1, "error:hog");
        Assert.Equal(2, byHog.Pages);
        Assert.Equal("q/q11.jpg", byHog.Rows[0].ImageBlob); // lowest hog error first
        var byLbp = await query.PageAsync(report, 1, "error:lbp");
        Assert.Equal("q/q00.jpg", byLbp.Rows[0].ImageBlob);
        var last = await query.PageAsync(report, 2, Ranking.Name);
        Assert.Equal(3, last.Rows.Count); // 13 rows, pages of 10
        var cell = byHog.Rows[0].Results[0];
        Assert.All(
            new[] { cell.Reconstruction, cell.Metrics, cell.FeatureEnergy, cell.Original, byHog.Rows[0].Thumbnail },
            url => Assert.True(File.Exists(new Uri(url!).LocalPath))
        );

        Assert.Throws<BatchQueryException>(() => query.PageAsync(report, 3, Ranking.Default).GetAwaiter().GetResult());
        Assert.Throws<BatchQueryException>(() => query.PageAsync(report, 0, Ranking.Default).GetAwaiter().GetResult());
        Assert.Contains(
            "one of: hog, lbp",
            Assert
                .Throws<BatchQueryException>(() => query.PageAsync(report, 1, "error:sift").GetAwaiter().GetResult())
                .Message
        );
        await Assert.ThrowsAsync<BatchQueryException>(() => query.ReportAsync("a//b"));

        string html = await query.RenderAsync(report, 1, "error:lbp");
        Assert.Contains("href=\"?page=2&amp;sort=error%3Albp\"", html);
        Assert.Contains("<b>error:lbp</b>", html);
    }
}
