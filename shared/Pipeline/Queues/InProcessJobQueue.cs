using System.Collections.Concurrent;
using System.Threading.Channels;

namespace FeatureInversion.Pipeline.Queues;

/// <summary>
/// The embedded default queue: an in-memory channel with queue semantics (explicit completion, redelivery of
/// retried or interrupted deliveries with a growing delivery count, a dead-letter list). No services needed.
/// </summary>
public sealed class InProcessJobQueue(int concurrency = 16) : IJobQueue, IJobSource
{
    private sealed record Envelope(string Body, int DeliveryCount);

    private readonly Channel<Envelope> _channel = Channel.CreateUnbounded<Envelope>();
    private readonly ConcurrentQueue<(string Body, string Reason)> _deadLetters = new();
    private int _outstanding;
    private TaskCompletionSource _idle = NewIdle(completed: true);

    public IReadOnlyCollection<(string Body, string Reason)> DeadLetters => _deadLetters;

    /// <summary>Messages enqueued and not yet completed or dead-lettered.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    public Task EnqueueAsync(ReconstructionJob job, CancellationToken ct = default) => SendAsync(job.ToJson(), ct);

    public Task SendAsync(string body, CancellationToken ct = default)
    {
        if (Interlocked.Increment(ref _outstanding) == 1) Interlocked.Exchange(ref _idle, NewIdle(completed: false));
        return _channel.Writer.WriteAsync(new Envelope(body, 1), ct).AsTask();
    }

    /// <summary>Completes when every message sent so far has been completed or dead-lettered.</summary>
    public Task WhenIdleAsync(CancellationToken ct = default) => Volatile.Read(ref _idle).Task.WaitAsync(ct);

    public async Task RunAsync(IJobHandler handler, CancellationToken ct)
    {
        using var slots = new SemaphoreSlim(concurrency);
        var running = new ConcurrentDictionary<Task, byte>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await slots.WaitAsync(ct);
                Envelope envelope;
                try { envelope = await _channel.Reader.ReadAsync(ct); }
                catch { slots.Release(); throw; }
                var task = Task.Run(() => DeliverAsync(handler, envelope, ct));
                running[task] = 0;
                _ = task.ContinueWith(t => { running.TryRemove(t, out _); slots.Release(); }, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        await Task.WhenAll(running.Keys);
    }

    private async Task DeliverAsync(IJobHandler handler, Envelope envelope, CancellationToken ct)
    {
        JobOutcome outcome;
        try
        {
            outcome = await handler.HandleAsync(envelope.Body, envelope.DeliveryCount, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            outcome = JobOutcome.Retry(e.Message);
        }
        catch (Exception)
        {
            // The worker stopped mid-job: the message was not completed, so it goes back like an expired lock.
            _channel.Writer.TryWrite(envelope with { DeliveryCount = envelope.DeliveryCount + 1 });
            return;
        }
        switch (outcome.Disposition)
        {
            case JobDisposition.Complete: Settle(); break;
            case JobDisposition.DeadLetter: _deadLetters.Enqueue((envelope.Body, outcome.Reason ?? "")); Settle(); break;
            default: _channel.Writer.TryWrite(envelope with { DeliveryCount = envelope.DeliveryCount + 1 }); break;
        }
    }

    private void Settle()
    {
        if (Interlocked.Decrement(ref _outstanding) == 0) Volatile.Read(ref _idle).TrySetResult();
    }

    private static TaskCompletionSource NewIdle(bool completed)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed) tcs.SetResult();
        return tcs;
    }
}
