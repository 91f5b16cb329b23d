using System.Collections.Concurrent;
using System.Threading.Channels;

namespace FeatureInversion.Pipeline.Queues;

/// <summary>
/// The embedded default queue: an in-memory channel with queue semantics (explicit completion, redelivery of
/// retried deliveries after the retry back-off and of interrupted ones at once, with a growing delivery count, a
/// dead-letter list that is also a <see cref="IDeadLetterSource"/>). No services needed. It knows when all its work
/// has ended (<see cref="ISettlingQueue"/>), dead letters handled included.
/// </summary>
public sealed class InProcessJobQueue(int concurrency = 16, RetryPolicy? retry = null)
    : IJobQueue,
        IJobSource,
        IDeadLetterSource,
        ISettlingQueue
{
    private readonly RetryPolicy _retry = retry
        ?? new RetryPolicy(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
    private readonly Channel<DeadLetter> _letters = Channel.CreateUnbounded<DeadLetter>();

    private sealed record Envelope(string Body, int DeliveryCount);

    private readonly Channel<Envelope> _channel = Channel.CreateUnbounded<Envelope>();
    private readonly ConcurrentQueue<(string Body, string Reason)> _deadLetters = new();

    // Messages not yet completed or dead-lettered; and the same plus dead letters not yet handed to a handler.
    private readonly Countdown _outstanding = new(),
        _unsettled = new();

    public IReadOnlyCollection<(string Body, string Reason)> DeadLetters => _deadLetters;

    /// <summary>Messages enqueued and not yet completed or dead-lettered.</summary>
    public int Outstanding => _outstanding.Count;

    public Task EnqueueAsync(ReconstructionJob job, CancellationToken ct = default) => SendAsync(job.ToJson(), ct);

    public Task SendAsync(string body, CancellationToken ct = default)
    {
        _unsettled.Add();
        _outstanding.Add();
        return _channel.Writer.WriteAsync(new Envelope(body, 1), ct).AsTask();
    }

    /// <summary>Completes when every message sent so far has been completed or dead-lettered.</summary>
    public Task WhenIdleAsync(CancellationToken ct = default) => _outstanding.WhenZero.WaitAsync(ct);

    /// <summary>Completes when every message sent so far has been completed, or dead-lettered and its letter handed to
    /// the dead-letter handler of <see cref="RunAsync(IDeadLetterHandler, CancellationToken)"/> (which must
    /// run).</summary>
    public Task WhenSettledAsync(CancellationToken ct = default) => _unsettled.WhenZero.WaitAsync(ct);

    public async Task RunAsync(IJobHandler handler, CancellationToken ct)
    {
        using var slots = new DeliverySlots(concurrency);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await slots.WaitAsync(ct);
                Envelope envelope;
                try
                {
                    envelope = await _channel.Reader.ReadAsync(ct);
                }
                catch
                {
                    slots.Release();
                    throw;
                }
                slots.Run(() => DeliverAsync(handler, envelope, ct));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        await slots.DrainAsync();
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
            case JobDisposition.Complete:
                _outstanding.Done();
                _unsettled.Done();
                break;
            case JobDisposition.DeadLetter:
                _deadLetters.Enqueue((envelope.Body, outcome.Reason ?? ""));
                _letters.Writer.TryWrite(new DeadLetter(envelope.Body, outcome.Reason ?? "", envelope.DeliveryCount));
                _outstanding.Done(); // the letter settles once handled
                break;
            default:
                // Back off before the next delivery (its slot is free meanwhile); redelivered even if the worker stops.
                _ = Task.Delay(_retry.Delay(envelope.DeliveryCount), CancellationToken.None)
                    .ContinueWith(
                        _ => _channel.Writer.TryWrite(envelope with { DeliveryCount = envelope.DeliveryCount + 1 }),
                        TaskScheduler.Default
                    );
                break;
        }
    }

    /// <summary>Hands dead letters to <paramref name="handler"/> as they come, until cancelled.</summary>
    public async Task RunAsync(IDeadLetterHandler handler, CancellationToken ct)
    {
        try
        {
            while (await _letters.Reader.WaitToReadAsync(ct))
            while (_letters.Reader.TryRead(out var letter))
                await TryHandleAsync(handler, letter, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    /// <summary>A letter whose handler fails stays in <see cref="DeadLetters"/> (this process has nowhere else to keep
    /// it).</summary>
    private async Task TryHandleAsync(IDeadLetterHandler handler, DeadLetter letter, CancellationToken ct)
    {
        try
        {
            await handler.HandleAsync(letter, ct);
        }
        catch (Exception) when (!ct.IsCancellationRequested) { }
        _unsettled.Done();
    }

    /// <summary>A count of work in flight and a task that completes each time it falls to zero.</summary>
    private sealed class Countdown
    {
        private int _count;
        private TaskCompletionSource _zero = Completed();

        public int Count => Volatile.Read(ref _count);
        public Task WhenZero => Volatile.Read(ref _zero).Task;

        public void Add()
        {
            if (Interlocked.Increment(ref _count) == 1)
                Interlocked.Exchange(
                    ref _zero,
                    new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
                );
        }

        public void Done()
        {
            if (Interlocked.Decrement(ref _count) == 0)
                Volatile.Read(ref _zero).TrySetResult();
        }

        private static TaskCompletionSource Completed()
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            tcs.SetResult();
            return tcs;
        }
    }
}
