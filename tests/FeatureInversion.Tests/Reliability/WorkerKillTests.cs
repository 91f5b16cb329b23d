using System.Diagnostics;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using FeatureInversion.Tests.Pipeline;
using Xunit.Abstractions;

namespace FeatureInversion.Tests.Reliability;

/// <summary>
/// Real decoder-worker processes (FeatureInversion.Worker.dll, the GPU container's program) on a real Azurite queue:
/// one is SIGKILLed mid-batch, two more share the queue while every job is also delivered twice; nothing may be lost
/// or duplicated. And a job whose deliveries all die ends in the poison queue with a failure record.
/// </summary>
[Trait(Tiers.Name, Tiers.Azurite)]
[Collection(AzuriteCollection.Name)]
public class WorkerKillTests(AzuriteFixture azurite, ITestOutputHelper output) : FaultTest("fi-kill-", output)
{
    private (AzureBlobStore Store, StorageQueueJobQueue Queue, PipelineSettings Options) Services(int visibilitySeconds)
    {
        string suffix = Guid.NewGuid().ToString("N")[..8];
        var options = new PipelineSettings
        {
            Storage = new()
            {
                ImagesContainer = "images" + suffix,
                FeaturesContainer = "features" + suffix,
                ResultsContainer = "results" + suffix,
                ModelsContainer = "models" + suffix,
            },
            Queue = new() { QueueName = "jobs" + suffix, VisibilityTimeoutSeconds = visibilitySeconds },
        };
        var store = new AzureBlobStore(new BlobServiceClient(azurite.ConnectionString));
        var queues = new QueueServiceClient(
            azurite.ConnectionString,
            new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }
        );
        return (
            store,
            StorageQueueJobQueue.Create(
                queues,
                options.Queue.QueueName,
                TimeSpan.FromSeconds(visibilitySeconds),
                options.Queue.BatchSize
            ),
            options
        );
    }

    private Process StartWorker(PipelineSettings options, string name)
    {
        var environment = new Dictionary<string, string>
        {
            ["Pipeline__Storage"] = "azure",
            ["Pipeline__BlobConnectionString"] = azurite.ConnectionString,
            ["Pipeline__Queue"] = "storage",
            ["Pipeline__QueueConnectionString"] = azurite.ConnectionString,
            ["Pipeline__QueueName"] = options.Queue.QueueName,
            ["Pipeline__ImagesContainer"] = options.Storage.ImagesContainer,
            ["Pipeline__FeaturesContainer"] = options.Storage.FeaturesContainer,
            ["Pipeline__ResultsContainer"] = options.Storage.ResultsContainer,
            ["Pipeline__ModelsContainer"] = options.Storage.ModelsContainer,
            ["Pipeline__VisibilityTimeoutSeconds"] = options.Queue.VisibilityTimeoutSeconds.ToString(
                System.Globalization.CultureInfo.InvariantCulture
            ),
            ["Pipeline__ModelCacheDirectory"] = Path.Combine(Dir, "cache-" + name),
            ["Pipeline__Device"] = "cpu",
            // Small, slow batches so that the kill lands mid-batch.
            ["Pipeline__BatchSize"] = "2",
            ["Pipeline__BatchWindowMilliseconds"] = "150",
            ["Pipeline__RetryDelayMilliseconds"] = "200",
        };
        var process = Process.Start(MeasuredProcess.StartInfo("FeatureInversion.Worker.dll", [], environment))!;
        // Only warnings, errors and the worker's last lines reach the test output: CI shows the tail of a failure,
        // and a full job log would push the assertion and the progress lines out of it.
        var log = new WorkerLog(name);
        _logs.Add(log);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && log.Add(e.Data))
                Output.WriteLine($"[{name}] {e.Data}");
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                Output.WriteLine($"[{name}!] {e.Data}");
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private readonly System.Collections.Concurrent.ConcurrentBag<WorkerLog> _logs = [];

    /// <summary>Counts a worker's job lines and keeps its last ones; says which lines are worth showing at
    /// once.</summary>
    private sealed class WorkerLog(string name)
    {
        private readonly Queue<string> _last = new();
        private bool _showNext;
        public int Processed,
            AlreadyDone,
            Problems;

        public bool Add(string line)
        {
            lock (_last)
            {
                _last.Enqueue(line);
                if (_last.Count > 8)
                    _last.Dequeue();
                if (
                    line.Contains(" error ", StringComparison.Ordinal) && line.Contains(" ms", StringComparison.Ordinal)
                )
                    Processed++;
                if (line.Contains("already has its result", StringComparison.Ordinal))
                    AlreadyDone++;
                bool show = _showNext;
                _showNext =
                    line.StartsWith("warn:", StringComparison.Ordinal)
                    || line.StartsWith("fail:", StringComparison.Ordinal)
                    || line.StartsWith("crit:", StringComparison.Ordinal);
                if (_showNext)
                    Problems++;
                return (show || _showNext) && Problems <= 10;
            }
        }

        public override string ToString()
        {
            lock (_last)
                return $"{name}: {Processed} processed, {AlreadyDone} already done, {Problems} warnings; last "
                    + $"lines:\n  "
                    + string.Join("\n  ", _last);
        }
    }

    private static async Task<string> ProgressAsync(
        IBlobStore store,
        StorageQueueJobQueue queue,
        PipelineSettings options,
        Stopwatch clock
    ) =>
        $"{clock.Elapsed.TotalSeconds:F0} s: {(await MetricsAsync(store, options, "kill")).Count} results, "
        + $"queue ~{(await queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount}, poison "
        + $"~{(await queue.Poison.GetPropertiesAsync()).Value.ApproximateMessagesCount}";

    private static async Task<List<string>> MetricsAsync(IBlobStore store, PipelineSettings options, string batch) =>
        (await store.ListAsync(options.Storage.ResultsContainer, batch + "/"))
            .Where(n => n.EndsWith("Z.json", StringComparison.Ordinal))
            .ToList();

    [Fact]
    public async Task AWorkerProcessKilledMidBatchLosesAndDuplicatesNothingWithTwoWorkersAndDuplicateDeliveries()
    {
        var (store, queue, options) = Services(visibilitySeconds: 3);
        await queue.EnsureCreatedAsync();
        await using var bed = new PipelineTestbed(store, queue, queue, options);
        await bed.SetUpAsync("hog", "lbp", "sift-grid");
        const int images = 30;
        var names = new List<string>();
        for (int i = 0; i < images; i++)
        {
            names.Add($"kill/img{i:D2}.jpg");
            var bytes = HostileCorpus.Jpeg(HostileCorpus.Gradient(100 + i, 80 + 2 * i));
            await bed.UploadAsync(names[^1], bytes);
            await bed.Ingestion.IngestAsync(names[^1], bytes); // the trigger fires twice: every job is queued twice
        }
        int jobs = images * 3;

        using (var victim = StartWorker(options, "victim"))
        {
            var clock = Stopwatch.StartNew();
            while ((await MetricsAsync(store, options, "kill")).Count == 0 && clock.Elapsed < TimeSpan.FromMinutes(2))
                await Task.Delay(50);
            victim.Kill(); // SIGKILL: no shutdown, messages in hand are never settled
            await victim.WaitForExitAsync();
        }
        int atKill = (await MetricsAsync(store, options, "kill")).Count;
        Output.WriteLine($"killed with {atKill} of {jobs} results written");
        Assert.InRange(atKill, 1, jobs - 1);

        using var a = StartWorker(options, "a");
        using var b = StartWorker(options, "b");
        var run = Stopwatch.StartNew();
        try
        {
            var statuses = await bed.Results.GetAsync(names[0]); // warm-up of the query
            // CI runs other process-spawning tests beside this one
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(6);
            var report = TimeSpan.FromSeconds(20);
            while ((await MetricsAsync(store, options, "kill")).Count < jobs && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
                if (run.Elapsed > report)
                {
                    Output.WriteLine(await ProgressAsync(store, queue, options, run));
                    report += TimeSpan.FromSeconds(20);
                }
            }
            // The duplicates and the killed worker's messages drain too.
            while (
                (await queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0
                && DateTime.UtcNow < deadline
            )
                await Task.Delay(250);
        }
        finally
        {
            a.Kill();
            b.Kill();
            Output.WriteLine("at the end, " + await ProgressAsync(store, queue, options, run));
            foreach (var log in _logs)
                Output.WriteLine(log.ToString());
        }

        var metrics = await MetricsAsync(store, options, "kill");
        Assert.Equal(jobs, metrics.Count);
        Assert.Equal(jobs, metrics.Distinct().Count());
        var all = await store.ListAsync(options.Storage.ResultsContainer, "kill/");
        Assert.Equal(jobs, all.Count(n => n.EndsWith("Z.png", StringComparison.Ordinal)));
        Assert.DoesNotContain(all, n => n.EndsWith(".error.json", StringComparison.Ordinal));
        foreach (var n in names)
            Assert.Equal(JobStatus.Done, (await bed.Results.GetAsync(n))!.Status);
        // Every message, the victim's unsettled ones (visible again after the timeout) and the duplicates, was settled.
        Assert.Equal(0, (await queue.Poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(0, (await queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task AJobThatKillsItsWorkerOnEveryDeliveryEndsInThePoisonQueueWithAFailureRecord()
    {
        var (store, queue, options) = Services(visibilitySeconds: 1);
        await queue.EnsureCreatedAsync();
        await using var bed = new PipelineTestbed(store, queue, queue, options);
        await bed.SetUpAsync("hog");
        var accepted = Assert.IsType<AcceptedUpload>(await bed.UploadPhotoAsync("poison", "camera-256x256.jpg"));

        // Each delivery takes the message and dies with it, as a worker that crashes on the job does.
        for (int delivery = 1; delivery <= options.Queue.MaxDeliveries; delivery++)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            Azure.Storage.Queues.Models.QueueMessage[] taken;
            do
            {
                taken = (await queue.Queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(1))).Value;
                if (taken.Length == 0)
                    await Task.Delay(200);
            } while (taken.Length == 0 && DateTime.UtcNow < deadline);
            Assert.Equal(delivery, (int)Assert.Single(taken).DequeueCount);
        }

        // A healthy worker and the poison-queue consumer: the next delivery is dead-lettered unprocessed.
        var recorder = new DeadLetterRecorder(
            store,
            bed.Gallery,
            options.Storage,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<DeadLetterRecorder>.Instance
        );
        using var stop = new CancellationTokenSource();
        var worker = Task.Run(() => queue.RunAsync((IJobHandler)bed.Worker, stop.Token));
        var consumer = Task.Run(() => queue.RunAsync((IDeadLetterHandler)recorder, stop.Token));
        var status = (await bed.Results.GetAsync(accepted.ImageBlob))!;
        for (
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            status.Status == JobStatus.Pending && DateTime.UtcNow < until;
            await Task.Delay(200)
        )
            status = (await bed.Results.GetAsync(accepted.ImageBlob))!;
        // The consumer deletes what it recorded, after the record; on a loaded CI host that takes more than a moment.
        // The job queue too: a message seen again before its forward deleted it is dead-lettered once more.
        for (
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            (
                (await queue.Poison.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0
                || (await queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0
            )
                && DateTime.UtcNow < until;

        )
            await Task.Delay(200);
        stop.Cancel();
        await Task.WhenAll(worker, consumer);

        Assert.Equal(JobStatus.Failed, status.Status);
        // Delivered once more than allowed, or more still: with a 1-s visibility a loaded host may see the message
        // again before the forward to the poison queue deletes it (at least once), and the record keeps the last count.
        var error = status.Results.Single().Error!;
        var count = System.Text.RegularExpressions.Regex.Match(error, @"delivered (\d+) times, more than the (\d+)");
        Assert.True(count.Success, error);
        int allowed = options.Queue.MaxDeliveries;
        Assert.Equal(allowed, int.Parse(count.Groups[2].Value));
        Assert.InRange(int.Parse(count.Groups[1].Value), allowed + 1, allowed + 3);
        Assert.False(
            await store.ExistsAsync(
                options.Storage.ResultsContainer,
                BlobNames.Metrics("poison", accepted.ImageId, accepted.Jobs[0].DecoderVersion)
            )
        );
        Assert.Equal(0, (await queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        // consumed into the record
        Assert.Equal(0, (await queue.Poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }
}
