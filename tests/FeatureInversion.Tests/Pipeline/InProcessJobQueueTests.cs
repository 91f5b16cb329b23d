using FeatureInversion.Pipeline.Queues;

namespace FeatureInversion.Tests.Pipeline;

public class InProcessJobQueueTests
{
    private sealed class ScriptedHandler(Func<string, int, CancellationToken, Task<JobOutcome>> handle) : IJobHandler
    {
        public Task<JobOutcome> HandleAsync(string body, int deliveryCount, CancellationToken ct) =>
            handle(body, deliveryCount, ct);
    }

    [Fact]
    public async Task RetriedMessagesComeBackWithAGrowingDeliveryCountAndDeadLettersKeepTheReason()
    {
        var queue = new InProcessJobQueue(concurrency: 2);
        var seen = new System.Collections.Concurrent.ConcurrentBag<(string, int)>();
        var handler = new ScriptedHandler(
            (body, count, _) =>
            {
                seen.Add((body, count));
                return Task.FromResult(
                    body switch
                    {
                        "ok" => JobOutcome.Completed,
                        "flaky" => count < 3 ? JobOutcome.Retry("transient") : JobOutcome.Completed,
                        _ => JobOutcome.DeadLetter("bad job"),
                    }
                );
            }
        );
        await queue.SendAsync("ok");
        await queue.SendAsync("flaky");
        await queue.SendAsync("poison");
        using var stop = new CancellationTokenSource();
        var run = queue.RunAsync(handler, stop.Token);
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        stop.Cancel();
        await run;

        Assert.Equal([1, 2, 3], seen.Where(s => s.Item1 == "flaky").Select(s => s.Item2).Order());
        Assert.Single(seen, s => s.Item1 == "ok");
        Assert.Equal(("poison", "bad job"), Assert.Single(queue.DeadLetters));
        Assert.Equal(0, queue.Outstanding);
    }

    [Fact]
    public async Task AMessageWhoseWorkerStopsMidJobIsDeliveredAgain()
    {
        var queue = new InProcessJobQueue();
        var started = new TaskCompletionSource();
        var first = new ScriptedHandler(
            async (_, _, ct) =>
            {
                started.SetResult();
                await Task.Delay(Timeout.Infinite, ct);
                return JobOutcome.Completed;
            }
        );
        await queue.SendAsync("job");
        using (var stop = new CancellationTokenSource())
        {
            var run = queue.RunAsync(first, stop.Token);
            await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
            stop.Cancel(); // the worker dies with the job in hand
            await run;
        }
        Assert.Equal(1, queue.Outstanding);

        int delivery = 0;
        using var stop2 = new CancellationTokenSource();
        var second = queue.RunAsync(
            new ScriptedHandler(
                (_, count, _) =>
                {
                    delivery = count;
                    return Task.FromResult(JobOutcome.Completed);
                }
            ),
            stop2.Token
        );
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        stop2.Cancel();
        await second;
        Assert.Equal(2, delivery);
    }

    private sealed class SlowLetters(TimeSpan delay) : IDeadLetterHandler
    {
        public int Handled;

        public async Task HandleAsync(DeadLetter letter, CancellationToken ct)
        {
            await Task.Delay(delay, ct);
            Interlocked.Increment(ref Handled);
        }
    }

    [Fact]
    public async Task TheQueueIsSettledOnlyOnceEveryDeadLetterHasBeenHandled()
    {
        var queue = new InProcessJobQueue(concurrency: 2);
        await queue.SendAsync("ok");
        await queue.SendAsync("poison");
        var letters = new SlowLetters(TimeSpan.FromMilliseconds(300));
        using var stop = new CancellationTokenSource();
        var run = queue.RunAsync(
            new ScriptedHandler(
                (body, _, _) => Task.FromResult(body == "ok" ? JobOutcome.Completed : JobOutcome.DeadLetter("bad"))
            ),
            stop.Token
        );
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var settled = queue.WhenSettledAsync();
        Assert.False(settled.IsCompleted); // idle, but the letter waits for its handler
        var recording = queue.RunAsync(letters, stop.Token);
        await settled.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, letters.Handled);
        stop.Cancel();
        await Task.WhenAll(run, recording);
    }
}
