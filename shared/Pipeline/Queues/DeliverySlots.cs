using System.Runtime.ExceptionServices;

namespace FeatureInversion.Pipeline.Queues;

/// <summary>
/// The concurrent deliveries of a queue consumer loop: a slot is taken before a message is received and given back
/// when its delivery ends, so the loop never waits on a scan of running tasks; <see cref="DrainAsync"/> waits until
/// every slot is back (every delivery ended, including the release itself, so disposing afterwards is safe) and
/// rethrows the first delivery that faulted.
/// </summary>
internal sealed class DeliverySlots(int count) : IDisposable
{
    private readonly SemaphoreSlim _free = new(count);
    private Exception? _fault;

    /// <summary>Waits for one free slot.</summary>
    public Task WaitAsync(CancellationToken ct) => _free.WaitAsync(ct);

    /// <summary>Takes up to <paramref name="max"/> further slots that are free now; returns how many.</summary>
    public int TakeFree(int max)
    {
        int taken = 0;
        while (taken < max && _free.Wait(0))
            taken++;
        return taken;
    }

    public void Release(int slots = 1)
    {
        if (slots > 0)
            _free.Release(slots);
    }

    /// <summary>Runs a delivery on the thread pool in a slot already taken; the slot comes back when it ends.</summary>
    public void Run(Func<Task> delivery) =>
        _ = Task.Run(delivery)
            .ContinueWith(
                t =>
                {
                    if (t.Exception is { } e)
                        Interlocked.CompareExchange(ref _fault, e.GetBaseException(), null);
                    _free.Release();
                },
                TaskScheduler.Default
            );

    public async Task DrainAsync()
    {
        for (int i = 0; i < count; i++)
            await _free.WaitAsync(CancellationToken.None);
        if (Volatile.Read(ref _fault) is { } fault)
            ExceptionDispatchInfo.Throw(fault);
    }

    public void Dispose() => _free.Dispose();
}
