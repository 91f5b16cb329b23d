namespace FeatureInversion.Training.Data;

/// <summary>
/// Feeds <see cref="StreamingBatches.FromCache"/>: builder threads fill a <see cref="FeatureShardCache"/> shard by
/// shard with fresh random crops and their features (sample <i>j</i> drawn from (seed, <i>j</i>), so a shard's content
/// never depends on who built it), while batches are read from the shards already complete. Batch <i>k</i> draws its
/// crops uniformly from the first n(<i>k</i>) = min(capacity, ⌈(<i>k</i> + 1) · B / reuse⌉) samples (whole shards, at
/// least one), waiting until they are on disk: each crop is used about <c>reuse</c> times while the cache grows, so
/// extraction need only keep up with 1/reuse of the step rate, and once the cache is complete (or reopened complete
/// by a later run) training reads at disk speed. The batches are a function of (seed, <i>k</i>) alone.
/// </summary>
internal sealed class CachedSamples : IDisposable
{
    private const ulong BuildStream = 0x5F3759DF00000000UL,
        DrawStream = 0x2545F4914F6CDD1DUL;

    private readonly FeatureShardCache _cache;
    private readonly bool[] _done;
    private readonly Thread[] _builders;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private int _complete; // shards on disk from shard 0 without a gap
    private int _nextShard;
    private Exception? _failure;

    public CachedSamples(FeatureShardCache cache, int builders)
    {
        _cache = cache;
        _done = new bool[cache.Shards];
        _complete = (int)(cache.CompletePrefix() / cache.ShardSamples);
        for (int s = 0; s < _complete; s++)
            _done[s] = true;
        _nextShard = _complete;
        FoundComplete = _complete;
        _builders =
            _complete == cache.Shards
                ? []
                : Enumerable
                    .Range(0, builders)
                    .Select(i => new Thread(Build) { IsBackground = true, Name = $"feature-shard-builder-{i}" })
                    .ToArray();
        foreach (var t in _builders)
            t.Start();
    }

    /// <summary>Shards found on disk when opened (a later run's head start).</summary>
    public int FoundComplete { get; }

    public int Builders => _builders.Length;

    /// <summary>The shards on disk (owned: disposed with this).</summary>
    public FeatureShardCache Store => _cache;

    /// <summary>Shards complete now.</summary>
    public int Complete
    {
        get
        {
            lock (_gate)
                return _complete;
        }
    }

    public IBatchFiller Reader(int batchSize, double reuse) => new BatchReader(this, batchSize, reuse);

    private void Build()
    {
        var renderer = new CropRenderer(_cache.ImageSize);
        var extractor = _cache.Representation.Create();
        var image = new float[3 * _cache.ImageSize * _cache.ImageSize];
        var features = new float[_cache.Shape.Length];
        var writer = new FeatureShardCache.ShardWriter(_cache);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                int shard = Interlocked.Increment(ref _nextShard) - 1;
                if (shard >= _cache.Shards)
                    return;
                if (!_cache.HasShard(shard)) // another process may have written it meanwhile
                {
                    writer.Clear();
                    for (int i = 0; i < _cache.ShardSamples; i++)
                    {
                        if (_stop.IsCancellationRequested)
                            return;
                        var random = SplitMix.For(
                            _cache.Seed,
                            ((long)shard * _cache.ShardSamples + i) ^ (long)BuildStream
                        );
                        var draw = CropDraw.Random(ref random, _cache.Pool, _cache.ImageSize, _cache.Augmentation);
                        renderer.Render(_cache.Pool, draw, image);
                        extractor.Extract(renderer.Gray, features);
                        writer.Add(image, features);
                    }
                    _cache.WriteShard(shard, writer.Bytes);
                }
                lock (_gate)
                {
                    _done[shard] = true;
                    while (_complete < _done.Length && _done[_complete])
                        _complete++;
                    Monitor.PulseAll(_gate);
                }
            }
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _failure ??= e;
                Monitor.PulseAll(_gate);
            }
        }
        finally
        {
            extractor.Dispose();
        }
    }

    /// <summary>Waits until the first <paramref name="shards"/> shards are on disk.</summary>
    private void WaitFor(int shards, CancellationToken cancel)
    {
        lock (_gate)
            while (_complete < shards)
            {
                if (_failure is not null)
                    throw new InvalidOperationException(
                        $"Building the feature cache failed: {_failure.Message}",
                        _failure
                    );
                cancel.ThrowIfCancellationRequested();
                Monitor.Wait(_gate, 100);
            }
    }

    public void Dispose()
    {
        _stop.Cancel();
        lock (_gate)
            Monitor.PulseAll(_gate);
        foreach (var t in _builders)
            t.Join();
        _stop.Dispose();
        _cache.Dispose();
    }

    private sealed class BatchReader(CachedSamples owner, int batchSize, double reuse) : IBatchFiller
    {
        private readonly FeatureShardCache.Reader _reader = owner._cache.CreateReader();

        /// <summary>Shards batch <paramref name="k"/> draws from: ⌈(k + 1) · B / reuse⌉ samples in whole shards, at
        /// least one, at most all.</summary>
        public static int ShardsFor(long k, int batchSize, double reuse, int shardSamples, int shards)
        {
            double samples = Math.Ceiling((k + 1) * (double)batchSize / reuse);
            return (int)Math.Clamp(Math.Ceiling(samples / shardSamples), 1, shards);
        }

        public void Fill(long k, Span<float> features, Span<float> images, CancellationToken cancel)
        {
            var cache = owner._cache;
            int shards = ShardsFor(k, batchSize, reuse, cache.ShardSamples, cache.Shards);
            owner.WaitFor(shards, cancel);
            long available = (long)shards * cache.ShardSamples;
            int featureLength = cache.Shape.Length,
                imageLength = 3 * cache.ImageSize * cache.ImageSize;
            var random = SplitMix.For(cache.Seed, k ^ (long)DrawStream);
            for (int b = 0; b < batchSize; b++)
            {
                long sample = (long)(random.NextDouble() * available);
                _reader.Read(
                    sample,
                    features.Slice(b * featureLength, featureLength),
                    images.Slice(b * imageLength, imageLength)
                );
            }
        }

        public void Dispose() => _reader.Dispose();
    }
}
