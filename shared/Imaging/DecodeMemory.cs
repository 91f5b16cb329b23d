namespace FeatureInversion.Imaging;

/// <summary>
/// Bounds the memory that full-resolution decodes hold at once in one process. A batch host decodes several uploads
/// together (the blob trigger's 4 at a time, and the workers' whole-image scoring beside them); each holds about
/// <see cref="BytesPerPixel"/> bytes per stored pixel while its pixels are read (3 for the pixels, up to 6 more inside
/// ImageSharp's progressive-JPEG decoder, docs/reliability.md). Unbounded, a batch's peak memory is set by the
/// chance that several large photos meet, which grows with the batch (docs/benchmarks.md, "Decodes in flight:
/// bounded"). Reservations are granted in arrival order, each once it fits under <see cref="CapacityBytes"/>; one
/// larger than the capacity waits until nothing else is held and then runs alone, so every image the limits accept
/// is still decoded.
/// </summary>
public sealed class DecodeMemory
{
    /// <summary>The estimate per stored pixel: the decoded 8-bit pixels and the progressive-JPEG decoder's
    /// coefficients.</summary>
    public const int BytesPerPixel = 9;

    private readonly object _lock = new(); // Monitor.Wait needs a monitor, not a Lock
    private long _held;
    private long _nextTicket;
    private long _serving; // tickets below it are granted; those from it to _nextTicket wait

    public DecodeMemory(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacityBytes);
        CapacityBytes = capacityBytes;
    }

    public long CapacityBytes { get; }

    /// <summary>Bytes reserved now.</summary>
    public long HeldBytes
    {
        get
        {
            lock (_lock)
                return _held;
        }
    }

    /// <summary>Reservations waiting now.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
                return (int)(_nextTicket - _serving);
        }
    }

    /// <summary>The most bytes held at once so far.</summary>
    public long PeakHeldBytes { get; private set; }

    /// <summary>The estimate for decoding an image of <paramref name="header"/>'s size.</summary>
    public static long Estimate(ImageHeader header) => (long)header.StoredWidth * header.StoredHeight * BytesPerPixel;

    /// <summary>Waits until <paramref name="bytes"/> fit (or nothing else is held) and holds them until the lease is
    /// disposed. Blocks the calling thread: decodes are synchronous CPU work.</summary>
    public Lease Reserve(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_lock)
        {
            long ticket = _nextTicket++;
            while (ticket != _serving || (_held > 0 && _held + bytes > CapacityBytes))
                Monitor.Wait(_lock);
            _serving++;
            _held += bytes;
            PeakHeldBytes = Math.Max(PeakHeldBytes, _held);
            Monitor.PulseAll(_lock); // the next ticket may fit too
        }
        return new Lease(this, bytes);
    }

    private void Release(long bytes)
    {
        lock (_lock)
        {
            _held -= bytes;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>A reservation; disposing it twice releases once.</summary>
    public sealed class Lease(DecodeMemory owner, long bytes) : IDisposable
    {
        private int _released;

        public long Bytes => bytes;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                owner.Release(bytes);
        }
    }
}
