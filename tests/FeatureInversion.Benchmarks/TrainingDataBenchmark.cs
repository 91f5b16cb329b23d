using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Benchmarks;

/// <summary>
/// The streaming training data path (issue 12): loader throughput (fresh crops + features, images per second, with 1
/// and 2 producer threads) against the training step rate of the decoder it feeds (libtorch with 1 and 2 threads,
/// preallocated random inputs), as a ratio in one run; peak RSS of a run of N steps (compare 1,000 with 10,000); and
/// resident memory per 1,000 pooled photos.
/// </summary>
internal static class TrainingDataBenchmark
{
    public static int Run(string[] args)
    {
        string photos = Option(args, "--photos") ?? "data/photos/train";
        double seconds = double.Parse(Option(args, "--seconds") ?? "6", CultureInfo.InvariantCulture);
        return args.FirstOrDefault() switch
        {
            "rate" => Rates(photos, seconds),
            "cache" => CacheRates(
                photos,
                seconds,
                int.Parse(Option(args, "--samples") ?? "1024", CultureInfo.InvariantCulture)
            ),
            "rss" => PeakRss(photos, int.Parse(Option(args, "--steps") ?? "1000", CultureInfo.InvariantCulture)),
            "pool" => PoolMemory(photos, int.Parse(Option(args, "--copies") ?? "4", CultureInfo.InvariantCulture)),
            _ => Usage(),
        };
    }

    private static int Usage()
    {
        Console.Error.WriteLine(
            "usage: training rate [--photos DIR] [--seconds S] | cache [--samples N] [--photos DIR] [--seconds S] | "
                + "rss --steps N [--photos DIR] | pool [--copies K] [--photos DIR]"
        );
        return 2;
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int Rates(string photos, double seconds)
    {
        Console.WriteLine(
            $"# {Environment.ProcessorCount} cores; {photos}; width 0.25, batch 64; throughput over >= {seconds} s "
                + $"after warm-up"
        );
        Console.WriteLine(
            "| representation | size | loader 1 thread (img/s) | loader 2 threads (img/s) | step, libtorch 1 thread "
                + "(img/s) | step, libtorch 2 threads (img/s) | loader(2) / step(2) | loader(1) / step(1) |"
        );
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int size in new[] { 64, 128 })
        {
            using var pool = PhotoPool.Open(photos, CropSampler.PoolSide(size), "data/cache");
            foreach (var name in new[] { "hog", "lbp", "sift-grid" })
            {
                var rep = Benchmark.Registry.Get(name);
                double l1 = Loader(pool, rep, size, 1, seconds),
                    l2 = Loader(pool, rep, size, 2, seconds);
                var (s1, s2) = Steps(rep, size, seconds);
                Console.WriteLine(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"| {name} | {size} | {l1:F0} | {l2:F0} | {s1:F0} | {s2:F0} | {l2 / s2:F2} | {l1 / s1:F2} |"
                    )
                );
            }
        }
        return 0;
    }

    private static double Loader(PhotoPool pool, RepresentationDescriptor rep, int size, int producers, double seconds)
    {
        using var stream = new StreamingBatches(
            pool,
            rep,
            size,
            64,
            seed: 1,
            augmentation: new CropAugmentation(0.5),
            producers: producers
        );
        return Throughput(stream, seconds);
    }

    /// <summary>Images per second a stream delivers over <paramref name="seconds"/>, after taking as many batches as
    /// its ring holds.</summary>
    private static double Throughput(StreamingBatches stream, double seconds)
    {
        for (int i = 0; i < 2 * stream.Producers + 1; i++)
            stream.Return(stream.Take()); // warm-up: fill the ring once
        var clock = Stopwatch.StartNew();
        int images = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            stream.Return(stream.Take());
            images += stream.BatchSize;
        }
        return images / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Training step rate with libtorch on 1 and on 2 threads.</summary>
    private static (double One, double Two) Steps(RepresentationDescriptor rep, int size, double seconds)
    {
        torch.set_num_threads(1);
        double one = Step(rep, size, seconds);
        torch.set_num_threads(2);
        return (one, Step(rep, size, seconds));
    }

    private static double Step(RepresentationDescriptor rep, int size, double seconds)
    {
        random.manual_seed(0);
        var spec = DecoderArchitecture.For(rep, size, 0.25);
        using var network = new DecoderNetwork(spec);
        using var input = randn(64, spec.Input.Channels, spec.Input.Rows, spec.Input.Cols);
        using var target = rand(64, 3, size, size);
        using var optimizer = optim.Adam(network.parameters(), 1e-3);
        network.train();
        void One()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            nn.functional.mse_loss(network.call(input), target).backward();
            optimizer.step();
        }
        One();
        One();
        var clock = Stopwatch.StartNew();
        int images = 0;
        while (clock.Elapsed.TotalSeconds < seconds || images < 3 * 64)
        {
            One();
            images += 64;
        }
        return images / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The on-disk feature cache for sparse SIFT (<see cref="FeatureShardCache"/>): how fast builder threads fill it
    /// (1 and 2 threads: the extraction rate), how fast batches are read from a complete cache (one reader thread), and
    /// the training step (libtorch 1 and 2 threads), in one run. While the cache grows a run is fed at up to
    /// reuse × build rate; once complete (or reused by a later run), at the read rate.
    /// </summary>
    private static int CacheRates(string photos, double seconds, int samples)
    {
        Console.WriteLine(
            $"# {Environment.ProcessorCount} cores; {photos}; sift-grid, width 0.25, batch 64; cache of {samples} "
                + $"samples in shards of 256; reads over >= {seconds} s"
        );
        Console.WriteLine(
            "| size | bytes / sample | build, 1 thread (img/s) | build, 2 threads (img/s) | read, complete cache "
                + "(img/s) | step, libtorch 1 thread (img/s) | step, libtorch 2 threads (img/s) | read / step(2) | "
                + "read / step(1) |"
        );
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var rep = Benchmark.Registry.Get("sift-grid");
        foreach (int size in new[] { 64, 128 })
        {
            using var pool = PhotoPool.Open(photos, CropSampler.PoolSide(size), "data/cache");
            string root = Path.Combine(Path.GetTempPath(), "fi-shard-bench-" + Guid.NewGuid().ToString("N"));
            try
            {
                double Build(int builders, out string folder, out long bytes)
                {
                    var cache = FeatureShardCache.Open(
                        Path.Combine(root, builders.ToString(CultureInfo.InvariantCulture)),
                        pool,
                        rep,
                        size,
                        seed: 1,
                        augmentation: new CropAugmentation(0.5),
                        capacity: samples
                    );
                    folder = cache.Folder;
                    var clock = Stopwatch.StartNew();
                    // reuse = samples: every batch reads the first shard only, so the reader idles and this times the
                    // build.
                    using var stream = StreamingBatches.FromCache(cache, 64, reuse: samples, builders: builders);
                    stream.Return(stream.Take());
                    while (stream.CachedSampleCount.Now < cache.Capacity)
                        Thread.Sleep(5);
                    double rate = cache.Capacity / clock.Elapsed.TotalSeconds;
                    bytes = cache.Bytes() / cache.Capacity;
                    return rate;
                }
                double b1 = Build(1, out _, out long perSample),
                    b2 = Build(2, out _, out _);
                // Read: reopen the complete cache built by the 1-thread run; no builder starts.
                var complete = FeatureShardCache.Open(
                    Path.Combine(root, "1"),
                    pool,
                    rep,
                    size,
                    seed: 1,
                    augmentation: new CropAugmentation(0.5),
                    capacity: samples
                );
                double read;
                using (var stream = StreamingBatches.FromCache(complete, 64, reuse: 1))
                {
                    if (stream.CacheBuilders != 0)
                        throw new InvalidOperationException("the cache should be complete");
                    read = Throughput(stream, seconds);
                }
                var (s1, s2) = Steps(rep, size, seconds);
                Console.WriteLine(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"| {size} | {perSample:N0} | {b1:F0} | {b2:F0} | {read:F0} | {s1:F0} | {s2:F0} | "
                            + $"{read / s2:F1} | {read / s1:F1} |"
                    )
                );
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }
        return 0;
    }

    /// <summary>Trains HOG (64 px, width 1/16, batch 16: small, so that 10,000 steps take minutes) from the stream and
    /// prints the process's peak resident memory. Memory growth per step does not depend on the network's
    /// size.</summary>
    private static int PeakRss(string photos, int steps)
    {
        using var pool = PhotoPool.Open(photos, CropSampler.PoolSide(64), "data/cache");
        var rep = Benchmark.Registry.Get("hog");
        using var stream = new StreamingBatches(
            pool,
            rep,
            64,
            16,
            seed: 1,
            augmentation: new CropAugmentation(0.5),
            producers: 1
        );
        random.manual_seed(1);
        using var network = new DecoderNetwork(DecoderArchitecture.For(rep, 64, 0.0625));
        var clock = Stopwatch.StartNew();
        DecoderTrainer.Train(
            network,
            stream,
            null,
            new TrainingOptions
            {
                Steps = steps,
                BatchSize = 16,
                EvaluateEvery = 0,
            }
        );
        var status = Status();
        // Managed side: what the GC holds (heap after the last collection, committed) against the anonymous total, so
        // growth can be told apart from native (libtorch, glibc malloc arenas).
        var gc = GC.GetGCMemoryInfo();
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"steps {steps}: peak RSS {status["VmHWM"] / 1024.0:F0} MiB, RSS now {status["VmRSS"] / 1024.0:F0} "
                    + $"MiB (anonymous {status["RssAnon"] / 1024.0:F0}, file {status["RssFile"] / 1024.0:F0}), "
                    + $"{clock.Elapsed.TotalSeconds:F0} s; "
                    + $"GC heap {gc.HeapSizeBytes / 1048576.0:F0} MiB, committed "
                    + $"{gc.TotalCommittedBytes / 1048576.0:F0} MiB, collections gen0/1/2 "
                    + $"{GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}"
            )
        );
        return 0;
    }

    /// <summary>Resident memory of a pool of K copies of the photo list (the same files, pooled K times), opened and
    /// then read through by 100 batches of crops: the pool is a memory-mapped file, so what it adds is file-backed
    /// pages the kernel may drop, not the process's own (anonymous) memory. Growth per photo is the difference between
    /// runs with two values of K (each run's total includes a fixed part: runtime, JIT, decoder buffers).</summary>
    private static int PoolMemory(string photos, int copies)
    {
        var files = PhotoPool.ListPhotos(photos);
        var many = Enumerable.Range(0, copies).SelectMany(_ => files).ToList();
        var before = Status();
        string cache = Path.Combine(Path.GetTempPath(), "fi-pool-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var pool = PhotoPool.Open(many, CropSampler.PoolSide(64), cache);
            using (
                var stream = new StreamingBatches(
                    pool,
                    null,
                    64,
                    64,
                    seed: 1,
                    augmentation: new CropAugmentation(0),
                    producers: 1
                )
            )
                for (int i = 0; i < 100; i++)
                    stream.Return(stream.Take());
            var after = Status();
            var gc = GC.GetGCMemoryInfo();
            double per1000 = 1000.0 / pool.Count;
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{pool.Count} photos, pool file {pool.Bytes / 1048576.0:F0} MiB: RSS "
                        + $"+{(after["VmRSS"] - before["VmRSS"]) / 1024.0:F0} MiB (anonymous "
                        + $"+{(after["RssAnon"] - before["RssAnon"]) / 1024.0:F0}, file-backed "
                        + $"+{(after["RssFile"] - before["RssFile"]) / 1024.0:F0}); pool file per 1,000 "
                        + $"photos {pool.Bytes / 1048576.0 * per1000:F0} MiB; "
                        + $"GC heap {gc.HeapSizeBytes / 1048576.0:F0} MiB, committed "
                        + $"{gc.TotalCommittedBytes / 1048576.0:F0} MiB"
                )
            );
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
        return 0;
    }

    /// <summary>/proc/self/status memory fields in KiB.</summary>
    private static Dictionary<string, long> Status() =>
        File.ReadAllLines("/proc/self/status")
            .Where(l => l.EndsWith(" kB", StringComparison.Ordinal))
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0], p => long.Parse(p[1].Trim()[..^3].Trim(), CultureInfo.InvariantCulture));
}
