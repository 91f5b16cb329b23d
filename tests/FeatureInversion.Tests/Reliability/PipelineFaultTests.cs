using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Gallery;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using FeatureInversion.Reconstruction.Local;
using FeatureInversion.Tests.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FeatureInversion.Tests.Reliability;

/// <summary>
/// The hostile corpus and hostile names through the local pipeline (the <c>pipeline</c> verb in its own process,
/// peak memory measured), and the faults of the queue and the store: crash loops, failure records that cannot be
/// written, a full disk, stalled jobs.
/// </summary>
[Trait(Tiers.Name, Tiers.Fault)]
public class PipelineFaultTests(ITestOutputHelper output) : FaultTest("fi-hostile-pipe-", output)
{
    public const double PipelinePeakLimitMiB = 2048;

    /// <summary>Legal names that broke the batch or were skipped before: dots, leading dots, quotes, markup, Unicode,
    /// 250 bytes.</summary>
    public static IReadOnlyList<string> HostileNames { get; } =
    [
        "a..b.jpg",
        "..leading-dots.jpg",
        ".hidden.jpg",
        "with space and 'quotes'.jpg",
        "<img src=x onerror=alert(1)>.jpg",
        "ünïcödé 日本.jpg",
        new string('n', 236) + ".jpg",
        new string('m', 246) + ".jpg",
    ];

    /// <summary>Names no store handles alike: recorded as refused under a safe name, shown escaped (issue
    /// 29).</summary>
    public static IReadOnlyList<(string Name, string Problem)> UnusableNames { get; } =
    [
        ("tab\tname.jpg", "control characters"),
        ("new\nline.jpg", "control characters"),
        ("evil\u202Egpj.exe.jpg", "invisible formatting characters"),
        ("..\\..\\..\\tmp\\x.jpg", "backslash"),
    ];

    [Fact]
    public async Task TheHostileCorpusRunsThroughThePipelineEachFileOnItsOwnWithinTwoGigabytes()
    {
        string folder = Directory.CreateDirectory(Path.Combine(Dir, "drop")).FullName;
        var inputs = HostileCorpus.Images().ToList();
        for (int i = 0; i < HostileNames.Count; i++)
            inputs.Add(
                new HostileInput(HostileNames[i], HostileCorpus.Png(HostileCorpus.Gradient(64 + i, 48 + i)), null)
            );
        foreach (var input in inputs)
            await File.WriteAllBytesAsync(Path.Combine(folder, input.Name), input.Bytes);
        foreach (var (name, _) in UnusableNames)
            await File.WriteAllBytesAsync(
                Path.Combine(folder, name),
                HostileCorpus.Png(HostileCorpus.Gradient(64, 48))
            );

        string outDir = Path.Combine(Dir, "out");
        var run = await MeasuredProcess.RunAsync(
            "FeatureInversion.Trainer.dll",
            [
                "pipeline",
                folder,
                "--out",
                outDir,
                "--models",
                Path.Combine(TestData.Root, "models"),
                "--batch",
                "hostile",
                "--device",
                "cpu",
            ],
            TimeSpan.FromMinutes(8)
        );
        Output.WriteLine($"exit {run.ExitCode}, peak {run.PeakMiB:F0} MiB\n{run.Stdout}\n{run.Stderr}");
        Assert.Equal(0, run.ExitCode);
        Assert.True(run.PeakMiB <= PipelinePeakLimitMiB, $"peak {run.PeakMiB:F0} MiB");

        var store = new LocalBlobStore(Path.Combine(outDir, "storage"));
        var query = new ResultsQuery(store, new StorageOptions(), new GalleryOptions());
        Assert.All(inputs, input =>
        {
            var status = query.GetAsync($"hostile/{input.Name}").GetAwaiter().GetResult();
            Assert.NotNull(status);
            if (input.Accepted)
            {
                Assert.True(status.Status == JobStatus.Done, $"{input.Name}: {status.Status} {status.Error}");
                Assert.Equal(3, status.Results.Count);
            }
            else
            {
                Assert.True(status.Status == JobStatus.Failed, $"{input.Name}: {status.Status}");
                Assert.Contains(input.Refusal!, status.Error, StringComparison.OrdinalIgnoreCase);
                Assert.StartsWith($"hostile/{input.Name}: ", status.Error);
            }
        });
        foreach (var (name, problem) in UnusableNames)
        {
            var status = await query.GetAsync(BlobNames.SafeName($"hostile/{name}"));
            Assert.True(status is { Status: JobStatus.Failed }, $"{name}: {status?.Status}");
            Assert.Contains(problem, status!.Error);
            Assert.Contains(BlobNames.Escape(name), status.Error);
        }
        var report = PipelineJson.Deserialize<FeatureInversion.Pipeline.Gallery.BatchReport>(
            (await store.TryReadAsync(new StorageOptions().ResultsContainer, BlobNames.BatchReport("hostile")))!
        );
        Assert.Equal(inputs.Count + UnusableNames.Count, report.Uploads); // every input is in the report
        Assert.False(File.Exists(Path.Combine(Dir, "tmp", "x.jpg")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(outDir, "storage", ".tmp")));
        string html = await File.ReadAllTextAsync(Path.Combine(outDir, "storage", "results", "hostile", "index.html"));
        Assert.DoesNotContain("<script>alert(1)", html); // names are escaped
    }

    [Fact]
    public async Task ADeliveryBeyondTheAllowedCountIsDeadLetteredUnprocessedWithAFailureRecord()
    {
        var (bed, store, accepted) = await UploadedAsync("hog", "crash", "camera-256x256.jpg");
        await using var _ = bed;
        var job = accepted.Jobs.Single();
        string body = MessageOf(accepted);

        // Deliveries 1..MaxDeliveries crashed the worker (never settled); the next one must not be processed.
        var outcome = await bed.Worker.HandleAsync(body, bed.Settings.Queue.MaxDeliveries + 1, CancellationToken.None);
        Assert.Equal(JobDisposition.DeadLetter, outcome.Disposition);
        var status = (await bed.Results.GetAsync("crash/camera-256x256.jpg"))!;
        Assert.Equal(JobStatus.Failed, status.Status);
        Assert.Contains($"delivered {bed.Settings.Queue.MaxDeliveries + 1} times", status.Results.Single().Error);
        Assert.False(
            await store.ExistsAsync(
                bed.Settings.Storage.ResultsContainer,
                BlobNames.Reconstruction("crash", accepted.ImageId, job.DecoderVersion)
            )
        );
    }

    [Fact]
    public async Task AJobTheBrokerDeadLettersGetsAFailureRecordWithTheBrokersReason()
    {
        var (bed, store, accepted) = await UploadedAsync("lbp", "dlq", "rocket-427x285.jpg");
        await using var _ = bed;
        var message = Azure.Messaging.ServiceBus.ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: BinaryData.FromString(MessageOf(accepted)),
            deliveryCount: 6,
            properties: new Dictionary<string, object>
            {
                ["DeadLetterReason"] = "MaxDeliveryCountExceeded",
                ["DeadLetterErrorDescription"] = "Message could not be consumed after 6 delivery attempts.",
            }
        );
        var recorder = new DeadLetterRecorder(
            store,
            bed.Gallery,
            bed.Settings.Storage,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<DeadLetterRecorder>.Instance
        );
        await recorder.HandleAsync(ServiceBusJobSource.ToDeadLetter(message), CancellationToken.None);

        var status = (await bed.Results.GetAsync("dlq/rocket-427x285.jpg"))!;
        Assert.Equal(JobStatus.Failed, status.Status);
        Assert.Contains(
            "MaxDeliveryCountExceeded: Message could not be consumed after 6 delivery attempts.",
            status.Results.Single().Error
        );
    }

    [Fact]
    public async Task OnAFullDiskThePipelineEndsReportsEveryJobAndLeavesNoTemporaryFiles()
    {
        var root = Path.Combine(Dir, "full");
        var (summary, store, _, photos) = await RunOnFullDiskAsync(root, (container, _) => container == "results");
        Assert.Equal(0, summary.Results);
        // the record could not be written: reported, not lost
        Assert.Equal(photos.Count, summary.IngestionErrors.Count);
        Assert.All(summary.IngestionErrors.Values, e => Assert.Contains("No space left on device", e));
        Assert.StartsWith("not written (", summary.Gallery); // no path that leads nowhere
        Assert.All(summary.Images, i => Assert.Equal(JobStatus.Failed, i.Status));
        Assert.True(store.FailedWrites > 0);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(root, "storage", ".tmp")));
        var folders = Directory.Exists(Path.Combine(root, "model-cache"))
            ? Directory.GetDirectories(Path.Combine(root, "model-cache"), "*", SearchOption.AllDirectories)
            : [];
        // no staging folders left
        Assert.DoesNotContain(folders, d => System.Text.RegularExpressions.Regex.IsMatch(d, @"\.[0-9a-f]{32}$"));
    }

    [Fact]
    public async Task AJobPendingPastTheStallTimeShowsAsStalledInTheApiAndTheGallery()
    {
        var (bed, store, accepted) = await UploadedAsync("hog", "slow", "camera-256x256.jpg");
        await using var _ = bed;
        // No worker runs; the upload was ingested two hours ago.
        var old = accepted with { IngestedUtc = DateTimeOffset.UtcNow.AddHours(-2) };
        await store.WriteAsync(
            bed.Settings.Storage.ResultsContainer,
            BlobNames.Ingestion(accepted.ImageBlob),
            PipelineJson.Serialize<IngestionRecord>(old),
            ContentTypes.Json,
            overwrite: true
        );
        var status = (await bed.Results.GetAsync(accepted.ImageBlob))!;
        Assert.Equal(JobStatus.Stalled, status.Status);
        Assert.Contains("no worker has settled it", status.Results.Single().Error);
        await bed.Gallery.RebuildAsync("slow");
        Assert.Contains(
            "stalled: pending since",
            System.Text.Encoding.UTF8.GetString(
                (await store.TryReadAsync(bed.Settings.Storage.ResultsContainer, "slow/index.html"))!
            )
        );
    }

    [Fact]
    public async Task AnUploadWhoseJobsCouldNotBeQueuedHasNoRecordAndIsIngestedAgain()
    {
        var store = new LocalBlobStore(Path.Combine(Dir, "store"));
        var queue = new InProcessJobQueue();
        await using var bed = new PipelineTestbed(store, new FailingQueue(), queue);
        await bed.SetUpAsync("hog");
        await Assert.ThrowsAsync<IOException>(() => bed.UploadPhotoAsync("q", "camera-256x256.jpg"));
        // not "pending forever": not ingested, so the trigger retries
        Assert.Null(await bed.Results.GetAsync("q/camera-256x256.jpg"));
    }

    [Fact]
    public async Task LocalBlobNamesWithDotsLongSegmentsAndUnicodeWorkAndDotSegmentsAreRefused()
    {
        var store = new LocalBlobStore(Path.Combine(Dir, "names"));
        foreach (var name in HostileNames.Select(n => "b/" + n).Append("b/" + new string('x', 300) + ".jpg.json"))
        {
            Assert.True(
                await store.WriteAsync("c", name, new byte[] { 1, 2, 3 }, ContentTypes.Binary, overwrite: false)
            );
            Assert.Equal(new byte[] { 1, 2, 3 }, await store.TryReadAsync("c", name));
        }
        foreach (
            var bad in new[]
            {
                "../x",
                "b/../../x",
                "b/./x",
                "/x",
                "b//x",
                "",
                "b/..\\..\\x.jpg",
                "b/tab\tx.jpg",
                "b/\u202Egpj.jpg",
            }
        )
            await Assert.ThrowsAsync<ArgumentException>(() =>
                store.WriteAsync("c", bad, new byte[] { 1 }, ContentTypes.Binary, overwrite: true)
            );
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            store.WriteAsync(
                "c",
                "b/late.bin",
                new byte[1 << 20],
                ContentTypes.Binary,
                overwrite: true,
                cancelled.Token
            )
        );
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(store.Root, ".tmp")));
    }

    [Fact]
    public async Task WhenOnlyTheWorkersWritesFailJobsBackOffThenDeadLetterAndThePipelineEnds()
    {
        var root = Path.Combine(Dir, "full-worker");
        // Ingestion succeeds; every result, metrics and failure record write (names end in the decoder version) fails.
        var (summary, _, queue, _) = await RunOnFullDiskAsync(root, (container, name) =>
            container == "results" && name.Contains("Z.", StringComparison.Ordinal)
        );
        var options = new QueueOptions();
        Assert.Equal(0, summary.Results);
        Assert.Empty(summary.IngestionErrors);
        Assert.Equal(4, queue.DeadLetters.Count); // 2 photos x 2 representations, each after MaxDeliveries attempts
        Assert.All(queue.DeadLetters, d =>
            Assert.Contains($"failed {options.MaxDeliveries} times, last: No space left on device", d.Reason)
        );
        // Nothing stays pending: every job ends failed, with the reason, in the summary.
        Assert.All(summary.Images, i =>
        {
            Assert.Equal(JobStatus.Failed, i.Status);
            Assert.All(i.Results, r =>
                Assert.Contains("no result or failure record could be stored (last error: failed", r.Error)
            );
        });
        Assert.Equal(4, summary.Failed);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(root, "storage", ".tmp")));
    }

    /// <summary>Two photos through the local pipeline (hog, lbp; 10 ms retry back-off) on a store whose writes fail
    /// where told.</summary>
    private static async Task<(
        LocalRunSummary Summary,
        FullDiskStore Store,
        InProcessJobQueue Queue,
        List<string> Photos
    )> RunOnFullDiskAsync(string root, Func<string, string, bool> fails)
    {
        var store = new FullDiskStore(new LocalBlobStore(Path.Combine(root, "storage")), fails);
        var options = new QueueOptions { RetryDelayMilliseconds = 10, MaxRetryDelaySeconds = 1 };
        var queue = new InProcessJobQueue(retry: RetryPolicy.From(options));
        var models = new[] { PipelineTestbed.ShippedModel("hog"), PipelineTestbed.ShippedModel("lbp") };
        var photos = new[] { "camera-256x256.jpg", "coffee-480x320.jpg" }
            .Select(p => Path.Combine(TestData.PhotosDirectory, p))
            .ToList();
        // The local host with the failing store and an inspectable queue in place of the configured ones.
        await using var pipeline = LocalPipeline.Create(
            new Dictionary<string, string?>
            {
                ["Pipeline:Storage"] = "local",
                ["Pipeline:Queue"] = "inprocess",
                ["Pipeline:Representations:0"] = "hog",
                ["Pipeline:Representations:1"] = "lbp",
                ["Pipeline:ModelCacheDirectory"] = Path.Combine(root, "model-cache"),
                ["Pipeline:RetryDelayMilliseconds"] = "10",
                ["Pipeline:MaxRetryDelaySeconds"] = "1",
                ["Pipeline:Device"] = "cpu",
            },
            TestData.Representations,
            services => services.AddSingleton<IBlobStore>(store).AddSingleton(new JobQueuePair(queue, queue, queue))
        );
        var summary = await pipeline.RunAsync(models, photos, "disk").WaitAsync(TimeSpan.FromMinutes(2));
        return (summary, store, queue, photos);
    }

    /// <summary>A photo uploaded and ingested on a local store with the in-process queue; no worker runs.</summary>
    private async Task<(PipelineTestbed Bed, LocalBlobStore Store, AcceptedUpload Upload)> UploadedAsync(
        string representation,
        string batch,
        string photo
    )
    {
        var store = new LocalBlobStore(Path.Combine(Dir, "store"));
        var queue = new InProcessJobQueue();
        var bed = new PipelineTestbed(store, queue, queue);
        await bed.SetUpAsync(representation);
        return (bed, store, Assert.IsType<AcceptedUpload>(await bed.UploadPhotoAsync(batch, photo)));
    }

    /// <summary>The queue message of the upload's (single) job, as ingestion sends it.</summary>
    private static string MessageOf(AcceptedUpload upload)
    {
        var job = upload.Jobs.Single();
        return new ReconstructionJob
        {
            JobId = job.JobId,
            ImageBlob = upload.ImageBlob,
            ImageId = upload.ImageId,
            Batch = upload.Batch,
            Representation = job.Representation,
            DecoderVersion = job.DecoderVersion,
            FeaturesBlob = job.FeaturesBlob,
            EnqueuedUtc = DateTimeOffset.UtcNow,
        }.ToJson();
    }

    /// <summary>A store whose writes fail as on a full disk where <paramref name="fails"/> says (container,
    /// name).</summary>
    private sealed class FullDiskStore(IBlobStore inner, Func<string, string, bool> fails) : ForwardingBlobStore
    {
        private int _failed;
        public int FailedWrites => _failed;

        protected override IBlobStore For(string container) => inner;

        public override Task<bool> WriteAsync(
            string container,
            string name,
            ReadOnlyMemory<byte> content,
            string contentType,
            bool overwrite,
            CancellationToken ct = default
        )
        {
            if (!fails(container, name))
                return inner.WriteAsync(container, name, content, contentType, overwrite, ct);
            Interlocked.Increment(ref _failed);
            throw new IOException("No space left on device");
        }
    }

    private sealed class FailingQueue : IJobQueue
    {
        public Task EnqueueAsync(ReconstructionJob job, CancellationToken ct = default) =>
            throw new IOException("queue unavailable");
    }
}
