using FeatureInversion.Training.Data;

namespace FeatureInversion.Tests.Training;

/// <summary>The on-disk feature cache for representations slower to extract than a training step (issue 12).</summary>
public sealed class FeatureShardCacheTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"shard-tests-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void SamplesComeBackExactlySparseOrDense()
    {
        using var pool = TestData.Pool();
        using var cache = FeatureShardCache.Open(
            _root,
            pool,
            TestData.Representation("sift-grid"),
            64,
            seed: 1,
            augmentation: new CropAugmentation(0),
            capacity: 3,
            shardSamples: 3
        );
        var shape = cache.Shape;
        var random = new Random(5);
        var images = Enumerable
            .Range(0, 3)
            .Select(_ => Enumerable.Range(0, 3 * 64 * 64).Select(_ => (float)random.NextDouble()).ToArray())
            .ToArray();
        var sparse = new float[shape.Length];
        sparse[7] = 1.5f;
        sparse[shape.Rows * shape.Cols * (shape.Channels - 1) + 7] = -2;
        sparse[100] = 3e-7f; // two positions, one of them in two channels
        var dense = Enumerable.Range(0, shape.Length).Select(i => (float)Math.Sin(i) + 2).ToArray();
        var empty = new float[shape.Length];
        var writer = new FeatureShardCache.ShardWriter(cache);
        writer.Add(images[0], sparse);
        writer.Add(images[1], dense);
        writer.Add(images[2], empty);
        cache.WriteShard(0, writer.Bytes);
        using var reader = cache.CreateReader();
        foreach (var (i, expected) in new[] { (0, sparse), (1, dense), (2, empty) })
        {
            var features = Enumerable.Repeat(9f, shape.Length).ToArray(); // stale values must not survive
            var image = new float[3 * 64 * 64];
            reader.Read(i, features, image);
            Assert.Equal(expected, features);
            Assert.True(
                image.Zip(images[i]).All(p => Math.Abs(p.First - p.Second) <= 0.5f / 255 + 1e-6f),
                "images are kept to 8 bits"
            );
        }
        // The sparse records are small: three positions instead of the whole map.
        Assert.True(new FileInfo(cache.ShardPath(0)).Length < 3 * 3 * 64 * 64 + shape.Length * 4 + 3 * 1000);
    }

    [Fact]
    public void CachedBatchesAreDeterministicReusedByLaterRunsAndMatchTheirCrops()
    {
        using var pool = TestData.Pool();
        var sift = TestData.Representation("sift-grid");
        List<(float[] F, float[] I)> Take(
            int builders,
            int count,
            out int buildersStarted,
            out (long Now, long AtStart) cached
        )
        {
            var cache = FeatureShardCache.Open(
                _root,
                pool,
                sift,
                64,
                seed: 4,
                augmentation: new CropAugmentation(0.5),
                capacity: 48,
                shardSamples: 8
            );
            using var stream = StreamingBatches.FromCache(cache, batchSize: 4, reuse: 2, builders: builders);
            var batches = new List<(float[], float[])>();
            for (int i = 0; i < count; i++)
            {
                var b = stream.Take();
                batches.Add(((float[])b.Features.Clone(), (float[])b.Images.Clone()));
                stream.Return(b);
            }
            buildersStarted = stream.CacheBuilders;
            cached = stream.CachedSampleCount;
            return batches;
        }
        var first = Take(1, 10, out int b1, out var c1);
        Assert.Equal(1, b1);
        Assert.Equal(0, c1.AtStart);
        var cacheFolder = Directory.GetDirectories(_root).Single();
        // The first run may have stopped while its builder was mid-shard: only complete shards count.
        var second = Take(2, 10, out _, out var c2);
        Assert.True(c2.AtStart > 0, "a later run finds the shards of the first");
        Assert.Equal(first.Select(x => x.I), second.Select(x => x.I));
        Assert.Equal(first.Select(x => x.F), second.Select(x => x.F));
        Assert.NotEqual(first[0].I, first[1].I);
        Assert.Single(Directory.GetDirectories(_root));

        // The features are those of the (8-bit) crop's grayscale, computed before it was stored: recompute from the
        // stored crop.
        var image = new ColorImage(64, 64, first[3].I.AsSpan(0, 3 * 64 * 64).ToArray());
        var recomputed = sift.Create().Extract(image).Data;
        var stored = first[3].F.AsSpan(0, sift.OutputShape(64, 64).Length).ToArray();
        Assert.Contains(stored, v => v != 0);
        int agree = recomputed.Zip(stored).Count(p => Math.Abs(p.First - p.Second) < 1e-3f);
        // 8-bit rounding may move a keypoint
        Assert.True(agree > 0.95 * stored.Length, $"{agree} of {stored.Length} feature values agree");

        // Another seed is another cache.
        using var other = FeatureShardCache.Open(
            _root,
            pool,
            sift,
            64,
            seed: 5,
            augmentation: new CropAugmentation(0.5),
            capacity: 48,
            shardSamples: 8
        );
        Assert.NotEqual(cacheFolder, other.Folder);
    }

    [Fact]
    public void EarlyBatchesDrawOnlyFromTheFirstShardsThenFromAll()
    {
        using var pool = TestData.Pool();
        var hog = TestData.Representation("hog");
        var cache = FeatureShardCache.Open(
            _root,
            pool,
            hog,
            64,
            seed: 2,
            augmentation: new CropAugmentation(0),
            capacity: 64,
            shardSamples: 8
        );
        using var reader = cache.CreateReader();
        using var stream = StreamingBatches.FromCache(cache, batchSize: 4, reuse: 2, builders: 1);
        var take = stream.Take(); // batch 0: ⌈1·4/2⌉ = 2 samples -> the first shard only
        var images = (float[])take.Images.Clone();
        stream.Return(take);
        var firstShard = Enumerable
            .Range(0, 8)
            .Select(i =>
            {
                var f = new float[cache.Shape.Length];
                var im = new float[3 * 64 * 64];
                reader.Read(i, f, im);
                return im;
            })
            .ToList();
        for (int b = 0; b < 4; b++)
            Assert.Contains(firstShard, s => s.AsSpan().SequenceEqual(images.AsSpan(b * 3 * 64 * 64, 3 * 64 * 64)));
        for (int k = 1; k < 40; k++)
            stream.Return(stream.Take()); // batch 31 on needs all 8 shards
        Assert.Equal(64, stream.CachedSampleCount.Now);
    }

    [Fact]
    public void AReaderKeepsABoundedNumberOfShardFilesOpen()
    {
        using var pool = TestData.Pool();
        var hog = TestData.Representation("hog");
        int shards = FeatureShardCache.Reader.MaxOpenShards + 6;
        var cache = FeatureShardCache.Open(
            _root,
            pool,
            hog,
            64,
            seed: 2,
            augmentation: new CropAugmentation(0),
            capacity: 2 * shards,
            shardSamples: 2
        );
        using (var stream = StreamingBatches.FromCache(cache, batchSize: 2, reuse: 1, builders: 1))
            for (int k = 0; k < shards; k++)
                stream.Return(stream.Take()); // batch k needs k + 1 shards: all are built
        using var reader = cache.CreateReader();
        var f = new float[cache.Shape.Length];
        var im = new float[3 * 64 * 64];
        var first = new float[im.Length];
        reader.Read(0, f, first);
        for (int s = 0; s < shards; s++)
        {
            reader.Read(2 * s + 1, f, im);
            Assert.InRange(reader.OpenShards, 1, FeatureShardCache.Reader.MaxOpenShards);
        }
        reader.Read(0, f, im); // reopened after its file was closed
        Assert.Equal(first, im);
    }

    [Fact]
    public void TruncatedOrForeignShardsAreRebuiltNotRead()
    {
        using var pool = TestData.Pool();
        var hog = TestData.Representation("hog");
        using (
            var cache = FeatureShardCache.Open(
                _root,
                pool,
                hog,
                64,
                seed: 2,
                augmentation: new CropAugmentation(0),
                capacity: 16,
                shardSamples: 8
            )
        )
        using (var stream = StreamingBatches.FromCache(cache, batchSize: 4, reuse: 1, builders: 1))
            for (int k = 0; k < 4; k++)
                stream.Return(stream.Take());
        var folder = Directory.GetDirectories(_root).Single();
        var shard = Path.Combine(folder, "shard-000001.bin");
        var bytes = File.ReadAllBytes(shard);
        // a run killed mid-write by something other than this code
        File.WriteAllBytes(shard, bytes[..(bytes.Length / 2)]);
        using var reopened = FeatureShardCache.Open(
            _root,
            pool,
            hog,
            64,
            seed: 2,
            augmentation: new CropAugmentation(0),
            capacity: 16,
            shardSamples: 8
        );
        Assert.True(reopened.HasShard(0));
        Assert.False(reopened.HasShard(1));
        Assert.Equal(8, reopened.CompletePrefix());
        using (var stream = StreamingBatches.FromCache(reopened, batchSize: 4, reuse: 1, builders: 1))
        {
            Assert.Equal(1, stream.CacheBuilders);
            for (int k = 0; k < 4; k++)
                stream.Return(stream.Take());
        }
        // rebuilt to the same content: a shard depends on (seed, its number) only
        Assert.Equal(bytes, File.ReadAllBytes(shard));

        // A shard of another geometry under this name is refused with its path, not misread.
        using var cache64 = FeatureShardCache.Open(
            _root,
            pool,
            hog,
            64,
            seed: 2,
            augmentation: new CropAugmentation(0),
            capacity: 16,
            shardSamples: 4
        );
        File.Copy(shard, cache64.ShardPath(0), overwrite: true);
        Assert.False(cache64.HasShard(0));
        using var reader = cache64.CreateReader();
        var e = Assert.Throws<InvalidDataException>(() =>
            reader.Read(0, new float[cache64.Shape.Length], new float[3 * 64 * 64])
        );
        Assert.Contains("shard-000000.bin", e.Message);
    }

    [Fact]
    public void AFailingBuilderFailsTheTrainingLoopAndBadSettingsAreRefused()
    {
        using var pool = TestData.Pool();
        var broken = new RepresentationDescriptor(
            "broken",
            "throws",
            RepresentationKind.HandDesigned,
            DecoderLayout.Hog,
            () => new Broken()
        );
        var cache = FeatureShardCache.Open(
            null,
            pool,
            broken,
            64,
            seed: 1,
            augmentation: new CropAugmentation(0),
            capacity: 8,
            shardSamples: 4
        );
        string folder = cache.Folder;
        using (var stream = StreamingBatches.FromCache(cache, batchSize: 2, reuse: 1, builders: 1))
        {
            var e = Assert.Throws<InvalidOperationException>(() => stream.Take());
            Assert.Contains("extractor broke", e.Message);
        }
        Assert.False(Directory.Exists(folder)); // a cache without a folder to keep it is temporary
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            FeatureShardCache.Open(_root, pool, broken, 64, 1, default, capacity: 0)
        );
        using var ok = FeatureShardCache.Open(_root, pool, TestData.Representation("hog"), 64, 1, default, capacity: 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => StreamingBatches.FromCache(ok, batchSize: 2, reuse: 0.5));
    }

    private sealed class Broken : IFeatureRepresentation
    {
        public string Name => "broken";
        public IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

        public FeatureShape OutputShape(int width, int height) => new(1, 1, 1);

        public void Extract(GrayImage image, Span<float> output) => throw new InvalidDataException("extractor broke");
    }
}
