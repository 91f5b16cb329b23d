using System.Collections.Concurrent;
using Azure.Storage.Queues;
using FeatureInversion.Pipeline.Gallery;
using FeatureInversion.Pipeline.Queues;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>
/// The storage-queue consumer loop on a real Azurite: it never stops receiving, neither when jobs finish in any order
/// nor when the service fails for a while; and a worker whose loop ends anyway stops instead of idling.
/// </summary>
[Trait(Tiers.Name, Tiers.Azurite)]
[Collection(AzuriteCollection.Name)]
public class StorageQueueLoopTests(AzuriteFixture azurite)
{
    private StorageQueueJobQueue NewQueue(int concurrency)
    {
        var service = new QueueServiceClient(
            azurite.ConnectionString,
            new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }
        );
        string name = "loop" + Guid.NewGuid().ToString("N")[..8];
        return new StorageQueueJobQueue(
            service.GetQueueClient(name),
            service.GetQueueClient(name + "-poison"),
            TimeSpan.FromSeconds(30),
            concurrency,
            new RetryPolicy(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200))
        )
        {
            PollInterval = TimeSpan.FromMilliseconds(20),
        };
    }

    private sealed class CountingHandler(int delayEvery) : IJobHandler
    {
        public ConcurrentDictionary<string, int> Seen { get; } = new();

        public async Task<JobOutcome> HandleAsync(string body, int deliveryCount, CancellationToken ct)
        {
            int n = Seen.AddOrUpdate(body, 1, (_, c) => c + 1);
            if (body.Length % delayEvery == 0)
                await Task.Delay(20, ct); // some finish later than those received after them
            return JobOutcome.Completed;
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> done, TimeSpan limit)
    {
        for (var until = DateTime.UtcNow + limit; !await done() && DateTime.UtcNow < until; )
            await Task.Delay(50);
    }

    [Fact]
    public async Task TwoHundredQuickJobsOnTwoSlotsAreAllHandledOnce()
    {
        var queue = NewQueue(concurrency: 2);
        await queue.EnsureCreatedAsync();
        for (int i = 0; i < 200; i++)
            await queue.Queue.SendMessageAsync($"job {i}");
        var handler = new CountingHandler(delayEvery: 2);
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(() => queue.RunAsync(handler, stop.Token));
        await WaitUntilAsync(
            async () =>
                handler.Seen.Count == 200
                && (await queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0,
            TimeSpan.FromMinutes(2)
        );
        stop.Cancel();
        await loop;
        Assert.Equal(200, handler.Seen.Count);
        Assert.All(handler.Seen.Values, c => Assert.Equal(1, c));
        Assert.Equal(0, (await queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task TheLoopReportsStorageFailuresAndGoesOnWhenTheQueueIsBack()
    {
        var queue = NewQueue(concurrency: 4);
        var errors = new ConcurrentQueue<string>();
        queue.OnError = (what, e) => errors.Enqueue($"{what}: {e.GetType().Name}");
        // No queue yet: every receive fails (404 QueueNotFound), as during an outage.
        var handler = new CountingHandler(delayEvery: 1000);
        using var stop = new CancellationTokenSource();
        var jobs = Task.Run(() => queue.RunAsync(handler, stop.Token));
        var letters = Task.Run(() => queue.RunAsync(new DeadLetterRecorderStub(), stop.Token));
        await WaitUntilAsync(() => Task.FromResult(errors.Count >= 4), TimeSpan.FromSeconds(30));
        Assert.False(jobs.IsCompleted);
        Assert.False(letters.IsCompleted);

        await queue.EnsureCreatedAsync();
        await queue.Queue.SendMessageAsync("after the outage");
        await WaitUntilAsync(
            () => Task.FromResult(handler.Seen.ContainsKey("after the outage")),
            TimeSpan.FromSeconds(30)
        );
        stop.Cancel();
        await Task.WhenAll(jobs, letters);
        Assert.True(handler.Seen.ContainsKey("after the outage"), string.Join("; ", errors));
        Assert.Contains(errors, e => e.StartsWith($"receiving from {queue.Queue.Name}:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith($"receiving from {queue.Poison.Name}:", StringComparison.Ordinal));
    }

    private sealed class DeadLetterRecorderStub : IDeadLetterHandler
    {
        public Task HandleAsync(DeadLetter letter, CancellationToken ct) => Task.CompletedTask;
    }

    private sealed class FailingSource : IJobSource
    {
        public Task RunAsync(IJobHandler handler, CancellationToken ct) =>
            Task.FromException(new InvalidOperationException("receive loop broke"));
    }

    [Fact]
    public async Task AWorkerWhoseJobLoopEndsStopsInsteadOfIdling()
    {
        var storage = new FeatureInversion.Pipeline.Storage.StorageOptions();
        var local = new InProcessJobQueue();
        var store = new FeatureInversion.Pipeline.Storage.LocalBlobStore(
            Directory.CreateTempSubdirectory("loop-").FullName
        );
        var gallery = new GalleryWriter(store, storage, new GalleryOptions());
        var recorder = new DeadLetterRecorder(store, gallery, storage, NullLogger<DeadLetterRecorder>.Instance);
        var service = new JobWorkerService(
            new FailingSource(),
            local,
            recorder,
            null!,
            WorkerDevice.From(new DecoderWorkerOptions()),
            NullLogger<JobWorkerService>.Instance
        );
        await service.StartAsync(CancellationToken.None);
        var ended = await Task.WhenAny(service.ExecuteTask!, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.Same(service.ExecuteTask, ended);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => service.ExecuteTask!);
        Assert.Contains("job loop ended", error.Message);
        Assert.Equal("receive loop broke", error.InnerException!.Message);
        await service.StopAsync(CancellationToken.None);
    }
}
