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
/// </summary>
public sealed class StreamingBatches : IDisposable
{
    private readonly PhotoPool _pool;
    private readonly RepresentationDescriptor? _representation;
    private readonly int _size, _seed;
    private readonly double _colorJitter;
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
    /// <param name="colorJitter">Probability that a crop's chroma is jittered.</param>
    /// <param name="producers">Loader threads (0: cores − 1, at least 1).</param>
    /// <param name="depth">Batches in the ring (0: 2 × producers + 1).</param>
    /// <param name="firstBatch">Number of the first batch (a resumed run continues the stream).</param>
    public StreamingBatches(PhotoPool pool, RepresentationDescriptor? representation, int size, int batchSize, int seed, double colorJitter,
        int producers = 0, int depth = 0, long firstBatch = 0)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize));
        _pool = pool;
        _representation = representation;
        _size = size;
        _seed = seed;
        _colorJitter = colorJitter;
        BatchSize = batchSize;
        FeatureShape = representation?.OutputShape(size, size);
        producers = producers > 0 ? producers : Math.Max(1, Environment.ProcessorCount - 1);
        depth = depth > 0 ? depth : 2 * producers + 1;
        _nextToProduce = _nextToTake = firstBatch;
        _ring = new TrainingBatch[depth];
        for (int i = 0; i < depth; i++)
            _ring[i] = new TrainingBatch(batchSize * (FeatureShape?.Length ?? 0), batchSize * 3 * size * size) { NextToFill = NextInSlot(firstBatch, i, depth) };
        _threads = Enumerable.Range(0, producers).Select(i => new Thread(Produce) { IsBackground = true, Name = $"batch-producer-{i}" }).ToArray();
        foreach (var t in _threads) t.Start();
    }

    public int BatchSize { get; }

    public int ImageSize => _size;

    /// <summary>Shape of one sample's features; null for an images-only stream.</summary>
    public FeatureShape? FeatureShape { get; }

    public int Producers => _threads.Length;

    /// <summary>The next batch in order (waits for it). Give it back with <see cref="Return"/> before taking more than the ring holds.</summary>
    public TrainingBatch Take(CancellationToken cancel = default)
    {
        long k = _nextToTake++;
        var slot = _ring[k % _ring.Length];
        lock (slot)
        {
            while (slot.Filled != k)
            {
                if (_failure is not null) throw new InvalidOperationException($"Training data producer failed: {_failure.Message}", _failure);
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

    /// <summary>The first batch number at or after <paramref name="first"/> that lands in ring slot <paramref name="slot"/>.</summary>
    private static long NextInSlot(long first, int slot, int depth) => first + ((slot - first % depth) % depth + depth) % depth;

    private void Produce()
    {
        var renderer = new CropRenderer(_size);
        var extractor = _representation?.Create();
        int featureLength = FeatureShape?.Length ?? 0, imageLength = 3 * _size * _size;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                long k = Interlocked.Increment(ref _nextToProduce) - 1;
                var slot = _ring[k % _ring.Length];
                lock (slot)
                {
                    while (slot.NextToFill != k)
                    {
                        if (_stop.IsCancellationRequested) return;
                        Monitor.Wait(slot, 100);
                    }
                }
                var random = SplitMix.For(_seed, k);
                for (int b = 0; b < BatchSize; b++)
                {
                    var draw = CropDraw.Random(ref random, _pool, _size, _colorJitter);
                    renderer.Render(_pool, draw, slot.Images.AsSpan(b * imageLength, imageLength));
                    extractor?.Extract(renderer.Gray, slot.Features.AsSpan(b * featureLength, featureLength));
                }
                lock (slot)
                {
                    slot.Index = k;
                    slot.Filled = k;
                    Monitor.PulseAll(slot);
                }
            }
        }
        catch (Exception e)
        {
            _failure ??= e;
        }
        finally
        {
            (extractor as IDisposable)?.Dispose();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var slot in _ring) lock (slot) Monitor.PulseAll(slot);
        foreach (var t in _threads) t.Join();
        _stop.Dispose();
    }
}
