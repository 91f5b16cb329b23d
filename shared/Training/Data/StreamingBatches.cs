using FeatureInversion.Features;

namespace FeatureInversion.Training.Data;

/// <summary>One batch of a <see cref="StreamingBatches"/> stream: preallocated buffers, reused once returned.</summary>
public sealed class TrainingBatch
{
    internal TrainingBatch(int featureLength, int imageLength)
    {
        Features = new float[featureLength];
        Images = new float[imageLength];
    }

    /// <summary>Batch number in the stream (0, 1, 2 …); its crops depend only on the seed and this number.</summary>
    public long Index { get; internal set; } = -1;

    /// <summary>B × C × h × w features (empty when the stream computes none).</summary>
    public float[] Features { get; }

    /// <summary>B × 3 × S × S colour targets in [0, 1].</summary>
    public float[] Images { get; }

    internal long NextToFill;
    internal long Filled = -1;
}

/// <summary>
/// An endless stream of training batches: every batch is fresh random crops of the pooled photos (scale, position,
/// mirror, optional chroma jitter; see <see cref="CropDraw.Random"/>) with their features, computed by
/// <c>producers</c> threads into a ring of <c>depth</c> preallocated batches while the training loop consumes them.
/// Batch <i>k</i> is drawn from a generator seeded with (seed, <i>k</i>) and lands in ring slot <i>k</i> mod depth, so
/// the stream is the same whatever the number of producers and however they are scheduled. Memory is the ring,
/// one renderer and one extractor per producer: independent of the number of steps and of photos.
/// <see cref="FromCache"/> makes the same ring read its batches from an on-disk feature cache instead.
/// </summary>
public sealed class StreamingBatches : IDisposable
{
    private readonly Func<IBatchFiller> _fillers;
    private readonly CachedSamples? _cached;
    private readonly TrainingBatch[] _ring;
    private readonly Thread[] _threads;
    private readonly CancellationTokenSource _stop = new();
    private long _nextToProduce;
    private long _nextToTake;
    private Exception? _failure;

    /// <param name="pool">The photos to crop.</param>
    /// <param name="representation">Features to compute per crop; null for an images-only stream (the CNN
    /// representations encode whole batches on the training device instead, see Onnx.IBatchEncoder).</param>
    /// <param name="size">Crop size in pixels.</param>
    /// <param name="batchSize">Crops per batch.</param>
    /// <param name="seed">Seed of the stream: with the batch number it fixes every crop.</param>
    /// <param name="augmentation">How crops are varied (colour jitter, rotation, contrast and brightness).</param>
    /// <param name="producers">Loader threads (0: cores − 1, at least 1).</param>
    /// <param name="depth">Batches in the ring (0: 2 × producers + 1).</param>
    /// <param name="firstBatch">Number of the first batch (a resumed run continues the stream).</param>
    public StreamingBatches(
        PhotoPool pool,
        RepresentationDescriptor? representation,
        int size,
        int batchSize,
        int seed,
        CropAugmentation augmentation,
        int producers = 0,
        int depth = 0,
        long firstBatch = 0
    )
        : this(
            size,
            batchSize,
            representation?.OutputShape(size, size),
            FreshCropFillers(pool, representation, size, batchSize, seed, augmentation),
            producers > 0 ? producers : Math.Max(1, Environment.ProcessorCount - 1),
            depth,
            firstBatch,
            cached: null
        ) { }

    /// <summary>
    /// A stream whose batches are read from an on-disk <see cref="FeatureShardCache"/> instead of computed per step,
    /// for representations whose extraction is slower than a training step (sparse SIFT at 128 px and up): see
    /// <see cref="CachedSamples"/>. The cache's builders take <paramref name="builders"/> threads (0: cores − 1, at
    /// least 1); one reader thread fills the ring. The stream owns the cache from here on (disposes it).
    /// </summary>
    /// <param name="cache">The cache to read (and fill where incomplete); it knows its photos, representation and
    /// seed.</param>
    /// <param name="batchSize">Crops per batch.</param>
    /// <param name="reuse">How many times each cached crop is used, on average, while the cache grows (at least
    /// 1).</param>
    /// <param name="builders">Threads that build missing shards (0: cores − 1, at least 1).</param>
    /// <param name="depth">Batches in the ring (0: 3).</param>
    /// <param name="firstBatch">Number of the first batch (a resumed run continues the stream).</param>
    public static StreamingBatches FromCache(
        FeatureShardCache cache,
        int batchSize,
        double reuse,
        int builders = 0,
        int depth = 0,
        long firstBatch = 0
    )
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (!(reuse >= 1))
            throw new ArgumentOutOfRangeException(
                nameof(reuse),
                reuse,
                "Reuse must be at least 1 (each cached crop used once on average)."
            );
        var samples = new CachedSamples(cache, builders > 0 ? builders : Math.Max(1, Environment.ProcessorCount - 1));
        try
        {
            return new StreamingBatches(
                cache.ImageSize,
                batchSize,
                cache.Shape,
                () => samples.Reader(batchSize, reuse),
                1,
                depth,
                firstBatch,
                samples
            );
        }
        catch
        {
            samples.Dispose();
            throw;
        }
    }

    /// <summary>One <see cref="FreshCrops"/> per producer thread (checked before any thread starts).</summary>
    private static Func<IBatchFiller> FreshCropFillers(
        PhotoPool pool,
        RepresentationDescriptor? representation,
        int size,
        int batchSize,
        int seed,
        CropAugmentation augmentation
    )
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (augmentation.Problem() is { } problem)
            throw new ArgumentException(problem, nameof(augmentation));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return () => new FreshCrops(pool, representation, size, batchSize, seed, augmentation);
    }

    private StreamingBatches(
        int size,
        int batchSize,
        FeatureShape? shape,
        Func<IBatchFiller> fillers,
        int producers,
        int depth,
        long firstBatch,
        CachedSamples? cached
    )
    {
        _fillers = fillers;
        _cached = cached;
        ImageSize = size;
        BatchSize = batchSize;
        FeatureShape = shape;
        depth = depth > 0 ? depth : 2 * producers + 1;
        _nextToProduce = _nextToTake = firstBatch;
        _ring = new TrainingBatch[depth];
        for (int i = 0; i < depth; i++)
            _ring[i] = new TrainingBatch(batchSize * (FeatureShape?.Length ?? 0), batchSize * 3 * size * size)
            {
                NextToFill = NextInSlot(firstBatch, i, depth),
            };
        _threads = Enumerable
            .Range(0, producers)
            .Select(i => new Thread(Produce) { IsBackground = true, Name = $"batch-producer-{i}" })
            .ToArray();
        foreach (var t in _threads)
            t.Start();
    }

    public int BatchSize { get; }

    public int ImageSize { get; }

    /// <summary>Shape of one sample's features; null for an images-only stream.</summary>
    public FeatureShape? FeatureShape { get; }

    public int Producers => _threads.Length;

    /// <summary>The feature cache behind a <see cref="FromCache"/> stream; null for fresh crops.</summary>
    public FeatureShardCache? FeatureCache => _cached?.Store;

    /// <summary>Threads building the feature cache (0 when it was complete at start, or for fresh crops).</summary>
    public int CacheBuilders => _cached?.Builders ?? 0;

    /// <summary>Samples of the feature cache on disk now, and when the stream opened it (0 for fresh crops).</summary>
    public (long Now, long AtStart) CachedSampleCount =>
        _cached is { } c
            ? ((long)c.Complete * c.Store.ShardSamples, (long)c.FoundComplete * c.Store.ShardSamples)
            : (0, 0);

    /// <summary>The next batch in order (waits for it). Give it back with <see cref="Return"/> before taking more than
    /// the ring holds.</summary>
    public TrainingBatch Take(CancellationToken cancel = default)
    {
        long k = _nextToTake++;
        var slot = _ring[k % _ring.Length];
        lock (slot)
        {
            while (slot.Filled != k)
            {
                if (_failure is not null)
                    throw new InvalidOperationException($"Training data producer failed: {_failure.Message}", _failure);
                cancel.ThrowIfCancellationRequested();
                Monitor.Wait(slot, 100);
            }
        }
        return slot;
    }

    /// <summary>Hands a batch's buffers back to the producers.</summary>
    public void Return(TrainingBatch batch)
    {
        lock (batch)
        {
            batch.Filled = -1;
            batch.NextToFill = batch.Index + _ring.Length;
            Monitor.PulseAll(batch);
        }
    }

    /// <summary>The first batch number at or after <paramref name="first"/> that lands in ring slot <paramref
    /// name="slot"/>.</summary>
    private static long NextInSlot(long first, int slot, int depth) =>
        first + ((slot - first % depth) % depth + depth) % depth;

    private void Produce()
    {
        IBatchFiller? filler = null;
        try
        {
            filler = _fillers();
            while (!_stop.IsCancellationRequested)
            {
                long k = Interlocked.Increment(ref _nextToProduce) - 1;
                var slot = _ring[k % _ring.Length];
                lock (slot)
                {
                    while (slot.NextToFill != k)
                    {
                        if (_stop.IsCancellationRequested)
                            return;
                        Monitor.Wait(slot, 100);
                    }
                }
                filler.Fill(k, slot.Features, slot.Images, _stop.Token);
                lock (slot)
                {
                    slot.Index = k;
                    slot.Filled = k;
                    Monitor.PulseAll(slot);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
        catch (Exception e)
        {
            _failure ??= e;
        }
        finally
        {
            filler?.Dispose();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var slot in _ring)
            lock (slot)
                Monitor.PulseAll(slot);
        foreach (var t in _threads)
            t.Join();
        _cached?.Dispose();
        _stop.Dispose();
    }
}

/// <summary>What a producer thread of <see cref="StreamingBatches"/> runs: fills batch <i>k</i>'s buffers, a pure
/// function of <i>k</i> (and the stream's seed), so that the stream does not depend on which thread fills
/// what.</summary>
internal interface IBatchFiller : IDisposable
{
    void Fill(long k, Span<float> features, Span<float> images, CancellationToken cancel);
}

/// <summary>Fresh random crops rendered from the pool, features computed on the spot; one per producer
/// thread.</summary>
internal sealed class FreshCrops(
    PhotoPool pool,
    RepresentationDescriptor? representation,
    int size,
    int batchSize,
    int seed,
    CropAugmentation augmentation
) : IBatchFiller
{
    private readonly CropRenderer _renderer = new(size);
    private readonly IFeatureRepresentation? _extractor = representation?.Create();
    private readonly int _featureLength = representation?.OutputShape(size, size).Length ?? 0;

    public void Fill(long k, Span<float> features, Span<float> images, CancellationToken cancel)
    {
        int imageLength = 3 * size * size;
        var random = SplitMix.For(seed, k);
        for (int b = 0; b < batchSize; b++)
        {
            var draw = CropDraw.Random(ref random, pool, size, augmentation);
            _renderer.Render(pool, draw, images.Slice(b * imageLength, imageLength));
            _extractor?.Extract(_renderer.Gray, features.Slice(b * _featureLength, _featureLength));
        }
    }

    public void Dispose() => _extractor?.Dispose();
}
