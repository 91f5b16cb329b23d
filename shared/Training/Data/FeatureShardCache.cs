using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FeatureInversion.Features;
using FeatureInversion.Imaging;
using Microsoft.Win32.SafeHandles;

namespace FeatureInversion.Training.Data;

/// <summary>
/// Training samples (a colour crop and its grayscale features) stored on disk in shards of <see cref="ShardSamples"/>,
/// for representations whose extraction is slower than a training step (sparse SIFT at 128 px and up). A shard is
/// written once, whole, under a temporary name and renamed, so a reader never sees half a shard and a killed run
/// leaves only complete shards; later runs over the same pool, representation, crop size, seed and colour jitter
/// reuse them (the folder name is a hash of all of these). Crops are kept as 8-bit RGB (the photos are 8-bit; the
/// resampled value is rounded, at most 1/510 off); features as float32, exactly, with the empty grid positions of a
/// sparse map left out (a sparse SIFT map at 128 px is mostly empty).
/// <para>Shard file: "SHRD", version, sample count, image size, C, h, w, 0 (int32 each), then count + 1 int64 record
/// offsets, then the records: 3·S² image bytes (planar RGB), int32 n, and either n int32 positions (y·w + x) followed
/// by n·C float32 values (position-major), or, for n = −1, the dense C·h·w map.</para>
/// </summary>
public sealed class FeatureShardCache : IDisposable
{
    public const string Format = "feature-shards-1";
    private const int Magic = 0x44524853; // "SHRD"
    private const int HeaderBytes = 8 * sizeof(int);

    private sealed record Description(
        string Format,
        string Representation,
        Dictionary<string, string> Settings,
        string Pool,
        int ImageSize,
        int Channels,
        int Rows,
        int Cols,
        int Seed,
        double ColorJitter,
        int ShardSamples,
        // Left out when off, so caches made before these existed keep their names.
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] double RotationDegrees = 0,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] double Photometric = 0
    );

    private readonly bool _deleteOnDispose;

    private FeatureShardCache(
        string folder,
        PhotoPool pool,
        RepresentationDescriptor representation,
        int seed,
        CropAugmentation augmentation,
        int imageSize,
        FeatureShape shape,
        int shardSamples,
        int shards,
        bool deleteOnDispose
    )
    {
        Pool = pool;
        Representation = representation;
        Seed = seed;
        Augmentation = augmentation;
        Folder = folder;
        ImageSize = imageSize;
        Shape = shape;
        ShardSamples = shardSamples;
        Shards = shards;
        _deleteOnDispose = deleteOnDispose;
    }

    public string Folder { get; }

    /// <summary>The photos the crops come from (not owned: it must outlive the cache).</summary>
    public PhotoPool Pool { get; }

    public RepresentationDescriptor Representation { get; }

    /// <summary>Seed of the crops: sample j is drawn from (seed, j).</summary>
    public int Seed { get; }

    public CropAugmentation Augmentation { get; }

    public int ImageSize { get; }

    /// <summary>Shape of one sample's features.</summary>
    public FeatureShape Shape { get; }

    public int ShardSamples { get; }

    /// <summary>Shards this cache holds when complete.</summary>
    public int Shards { get; }

    /// <summary>Samples this cache holds when complete.</summary>
    public long Capacity => (long)Shards * ShardSamples;

    /// <summary>Largest record in bytes.</summary>
    public int MaxRecordBytes =>
        3 * ImageSize * ImageSize + sizeof(int) + Shape.Length * sizeof(float) + Shape.Rows * Shape.Cols * sizeof(int);

    /// <summary>
    /// Opens (creating if needed) the cache of <paramref name="representation"/> features of <paramref name="size"/>-px
    /// crops of <paramref name="pool"/> drawn with <paramref name="seed"/> and <paramref name="augmentation"/>, holding
    /// up to <paramref name="capacity"/> samples (rounded up to whole shards of <paramref name="shardSamples"/>, or
    /// fewer when the whole cache is smaller). Under <paramref name="root"/> it is kept
    /// for later runs; with none, it lives in the temp folder and is deleted on dispose.
    /// </summary>
    public static FeatureShardCache Open(
        string? root,
        PhotoPool pool,
        RepresentationDescriptor representation,
        int size,
        int seed,
        CropAugmentation augmentation,
        long capacity,
        int shardSamples = 256
    )
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(representation);
        if (capacity <= 0)
            throw new ArgumentOutOfRangeException(
                nameof(capacity),
                capacity,
                "A feature cache needs room for at least one sample."
            );
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shardSamples);
        var shape = representation.OutputShape(size, size);
        shardSamples = (int)Math.Min(shardSamples, capacity);
        long shards = (capacity + shardSamples - 1) / shardSamples;
        if (shards > 1_000_000)
            throw new ArgumentOutOfRangeException(
                nameof(capacity),
                capacity,
                $"At most {1_000_000L * shardSamples:N0} samples per feature cache."
            );
        var description = new Description(
            Format,
            representation.Name,
            new(representation.Settings.OrderBy(kv => kv.Key, StringComparer.Ordinal)),
            pool.Key,
            size,
            shape.Channels,
            shape.Rows,
            shape.Cols,
            seed,
            augmentation.ColorJitter,
            shardSamples,
            augmentation.RotationDegrees,
            augmentation.Photometric
        );
        string json = JsonSerializer.Serialize(description);
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..16];
        string folder = root is null
            ? Path.Combine(Path.GetTempPath(), $"features-{representation.Name}-{size}px-{hash}-{Guid.NewGuid():N}")
            : Path.Combine(root, $"features-{representation.Name}-{size}px-{hash}");
        Directory.CreateDirectory(folder);
        // what the folder holds, for people; the hash is what matches
        File.WriteAllText(Path.Combine(folder, "cache.json"), json);
        return new FeatureShardCache(
            folder,
            pool,
            representation,
            seed,
            augmentation,
            size,
            shape,
            shardSamples,
            (int)shards,
            deleteOnDispose: root is null
        );
    }

    public string ShardPath(int shard) => Path.Combine(Folder, $"shard-{shard:D6}.bin");

    /// <summary>Whether shard <paramref name="shard"/> is on disk, complete and of this cache's geometry.</summary>
    public bool HasShard(int shard)
    {
        var path = ShardPath(shard);
        if (!File.Exists(path))
            return false;
        try
        {
            using var handle = File.OpenHandle(
                path,
                FileMode.Open,
                FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete
            );
            ReadIndex(handle, path);
            return true;
        }
        catch (InvalidDataException)
        {
            return false; // rewritten by whoever builds it next
        }
    }

    /// <summary>Samples on disk from sample 0 without a gap.</summary>
    public long CompletePrefix()
    {
        int s = 0;
        while (s < Shards && HasShard(s))
            s++;
        return (long)s * ShardSamples;
    }

    /// <summary>Bytes of the shards on disk.</summary>
    public long Bytes() => Directory.EnumerateFiles(Folder, "shard-*.bin").Sum(f => new FileInfo(f).Length);

    /// <summary>Writes a complete shard (from <see cref="ShardWriter"/>) under a temporary name, then renames it into
    /// place.</summary>
    public void WriteShard(int shard, ReadOnlySpan<byte> bytes)
    {
        string path = ShardPath(shard),
            temp = $"{path}.{Environment.ProcessId}-{Environment.CurrentManagedThreadId}.tmp";
        try
        {
            using (
                var handle = File.OpenHandle(
                    temp,
                    FileMode.Create,
                    FileAccess.Write,
                    FileShare.None,
                    FileOptions.None,
                    bytes.Length
                )
            )
                RandomAccess.Write(handle, bytes, 0);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>A reader for one thread at a time (its own scratch buffer and open shard files).</summary>
    public Reader CreateReader() => new(this);

    private static void Decode(
        FeatureShardCache cache,
        ReadOnlySpan<byte> record,
        Span<float> features,
        Span<float> image,
        string path,
        int i
    )
    {
        int pixels = 3 * cache.ImageSize * cache.ImageSize,
            channels = cache.Shape.Channels,
            positions = cache.Shape.Rows * cache.Shape.Cols;
        if (image.Length != pixels || features.Length != cache.Shape.Length)
            throw new ArgumentException("Buffers do not match the cache's sample shape.");
        if (record.Length < pixels + sizeof(int))
            throw new InvalidDataException($"{path}: record {i} is corrupt.");
        for (int k = 0; k < pixels; k++)
            image[k] = record[k] * (1f / 255f);
        int n = BinaryPrimitives.ReadInt32LittleEndian(record[pixels..]);
        var rest = record[(pixels + sizeof(int))..];
        if (n == -1)
        {
            if (rest.Length != cache.Shape.Length * sizeof(float))
                throw new InvalidDataException($"{path}: record {i} has the wrong length.");
            MemoryMarshal.Cast<byte, float>(rest).CopyTo(features);
            return;
        }
        if (n < 0 || n > positions || rest.Length != n * sizeof(int) + n * channels * sizeof(float))
            throw new InvalidDataException($"{path}: record {i} is corrupt.");
        var where = MemoryMarshal.Cast<byte, int>(rest[..(n * sizeof(int))]);
        var values = MemoryMarshal.Cast<byte, float>(rest[(n * sizeof(int))..]);
        features.Clear();
        for (int j = 0; j < n; j++)
        {
            int p = where[j];
            if ((uint)p >= (uint)positions)
                throw new InvalidDataException($"{path}: record {i} is corrupt.");
            for (int c = 0; c < channels; c++)
                features[c * positions + p] = values[j * channels + c];
        }
    }

    private long[] ReadIndex(SafeFileHandle handle, string path)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        long length = RandomAccess.GetLength(handle);
        if (length < HeaderBytes || RandomAccess.Read(handle, header, 0) != HeaderBytes)
            throw new InvalidDataException($"{path} is truncated.");
        var h = MemoryMarshal.Cast<byte, int>(header);
        if (h[0] != Magic || h[1] != 1)
            throw new InvalidDataException($"{path} is not a feature shard of format 1.");
        if (
            h[2] != ShardSamples
            || h[3] != ImageSize
            || h[4] != Shape.Channels
            || h[5] != Shape.Rows
            || h[6] != Shape.Cols
        )
            throw new InvalidDataException(
                $"{path} holds {h[2]} samples of {h[3]} px with {h[4]}x{h[5]}x{h[6]} features, not this cache's "
                    + $"{ShardSamples} of {ImageSize} px with {Shape}."
            );
        var offsets = new long[ShardSamples + 1];
        var bytes = MemoryMarshal.AsBytes(offsets.AsSpan());
        if (RandomAccess.Read(handle, bytes, HeaderBytes) != bytes.Length)
            throw new InvalidDataException($"{path} is truncated.");
        if (offsets[^1] != length)
            throw new InvalidDataException($"{path} is truncated ({length} bytes, {offsets[^1]} expected).");
        for (int i = 0; i < ShardSamples; i++)
            if (offsets[i] < HeaderBytes + bytes.Length || offsets[i + 1] < offsets[i])
                throw new InvalidDataException($"{path}: its record index is corrupt.");
        return offsets;
    }

    /// <summary>Deletes a temporary cache (one opened without a folder to keep it in); a kept one stays.</summary>
    public void Dispose()
    {
        if (_deleteOnDispose)
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// Reads samples for one thread: its own scratch buffer, the record index of every shard it has read (2 KB each),
    /// and at most <see cref="MaxOpenShards"/> shard files open at a time (a cache of a million samples has thousands
    /// of shards; the process's file limit is often 1,024).
    /// </summary>
    public sealed class Reader : IDisposable
    {
        public const int MaxOpenShards = 64;

        private readonly FeatureShardCache _cache;
        private readonly byte[] _scratch;
        private readonly long[]?[] _offsets;
        private readonly Dictionary<int, SafeFileHandle> _open = [];

        internal Reader(FeatureShardCache cache)
        {
            _cache = cache;
            _scratch = new byte[cache.MaxRecordBytes];
            _offsets = new long[]?[cache.Shards];
        }

        /// <summary>Reads sample <paramref name="sample"/> into <paramref name="features"/> (C × h × w) and
        /// <paramref name="image"/> (3 × S × S in [0, 1]).</summary>
        public void Read(long sample, Span<float> features, Span<float> image)
        {
            if ((ulong)sample >= (ulong)_cache.Capacity)
                throw new ArgumentOutOfRangeException(nameof(sample));
            int shard = (int)(sample / _cache.ShardSamples),
                i = (int)(sample % _cache.ShardSamples);
            string path = _cache.ShardPath(shard);
            if (!_open.TryGetValue(shard, out var handle))
            {
                if (_open.Count == MaxOpenShards)
                    CloseAll();
                handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                try
                {
                    _offsets[shard] ??= _cache.ReadIndex(handle, path);
                }
                catch
                {
                    handle.Dispose();
                    throw;
                }
                _open[shard] = handle;
            }
            var offsets = _offsets[shard]!;
            int length = checked((int)(offsets[i + 1] - offsets[i]));
            if (length > _scratch.Length)
                throw new InvalidDataException($"{path}: record {i} is {length} bytes, more than a sample can take.");
            var record = _scratch.AsSpan(0, length);
            if (RandomAccess.Read(handle, record, offsets[i]) != length)
                throw new InvalidDataException($"{path} is truncated.");
            Decode(_cache, record, features, image, path, i);
        }

        /// <summary>Shard files open now.</summary>
        internal int OpenShards => _open.Count;

        private void CloseAll()
        {
            foreach (var h in _open.Values)
                h.Dispose();
            _open.Clear();
        }

        public void Dispose() => CloseAll();
    }

    /// <summary>Assembles one shard in memory (a builder thread's reusable buffer); <see cref="WriteShard"/> stores
    /// it.</summary>
    public sealed class ShardWriter
    {
        private readonly FeatureShardCache _cache;
        private readonly long[] _offsets;
        private readonly int[] _nonEmpty; // grid positions of the sample being added that hold a non-zero value
        private byte[] _buffer;
        private int _count,
            _length;

        public ShardWriter(FeatureShardCache cache)
        {
            _cache = cache;
            _offsets = new long[cache.ShardSamples + 1];
            _nonEmpty = new int[cache.Shape.Rows * cache.Shape.Cols];
            _buffer = new byte[
                Math.Max(
                    1 << 16,
                    HeaderBytes + _offsets.Length * sizeof(long) + cache.ShardSamples * (cache.MaxRecordBytes / 4)
                )
            ];
            Clear();
        }

        public int Count => _count;

        /// <summary>The complete shard's bytes (once <see cref="Count"/> is the cache's shard size).</summary>
        public ReadOnlySpan<byte> Bytes
        {
            get
            {
                if (_count != _cache.ShardSamples)
                    throw new InvalidOperationException($"The shard holds {_count} of {_cache.ShardSamples} samples.");
                var h = MemoryMarshal.Cast<byte, int>(_buffer.AsSpan(0, HeaderBytes));
                h[0] = Magic;
                h[1] = 1;
                h[2] = _count;
                h[3] = _cache.ImageSize;
                h[4] = _cache.Shape.Channels;
                h[5] = _cache.Shape.Rows;
                h[6] = _cache.Shape.Cols;
                h[7] = 0;
                _offsets[_count] = _length;
                MemoryMarshal.AsBytes(_offsets.AsSpan(0, _count + 1)).CopyTo(_buffer.AsSpan(HeaderBytes));
                return _buffer.AsSpan(0, _length);
            }
        }

        public void Clear()
        {
            _count = 0;
            _length = HeaderBytes + _offsets.Length * sizeof(long);
        }

        /// <summary>Appends a sample: <paramref name="image"/> 3 × S × S in [0, 1], <paramref name="features"/> C × h ×
        /// w.</summary>
        public void Add(ReadOnlySpan<float> image, ReadOnlySpan<float> features)
        {
            if (_count == _cache.ShardSamples)
                throw new InvalidOperationException("The shard is full.");
            int channels = _cache.Shape.Channels,
                positions = _cache.Shape.Rows * _cache.Shape.Cols;
            if (image.Length != 3 * _cache.ImageSize * _cache.ImageSize || features.Length != _cache.Shape.Length)
                throw new ArgumentException("Sample does not match the cache's shape.");
            int n = 0;
            for (int p = 0; p < positions; p++)
            for (int c = 0; c < channels; c++)
                if (features[c * positions + p] != 0)
                {
                    _nonEmpty[n++] = p;
                    break;
                }
            bool dense = (long)n * (channels + 1) >= (long)channels * positions;
            int record =
                image.Length
                + sizeof(int)
                + (dense ? features.Length * sizeof(float) : n * sizeof(int) + n * channels * sizeof(float));
            if (_length + record > _buffer.Length)
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + record));
            _offsets[_count++] = _length;
            var to = _buffer.AsSpan(_length, record);
            for (int k = 0; k < image.Length; k++)
                to[k] = Rgb24Pixels.ToByte(image[k]);
            BinaryPrimitives.WriteInt32LittleEndian(to[image.Length..], dense ? -1 : n);
            var rest = to[(image.Length + sizeof(int))..];
            if (dense)
                MemoryMarshal.AsBytes(features).CopyTo(rest);
            else
            {
                _nonEmpty.AsSpan(0, n).CopyTo(MemoryMarshal.Cast<byte, int>(rest[..(n * sizeof(int))]));
                var values = MemoryMarshal.Cast<byte, float>(rest[(n * sizeof(int))..]);
                for (int j = 0; j < n; j++)
                for (int c = 0; c < channels; c++)
                    values[j * channels + c] = features[c * positions + _nonEmpty[j]];
            }
            _length += record;
        }
    }
}
