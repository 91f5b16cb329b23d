using System.Diagnostics;

namespace FeatureInversion.Benchmarks;

/// <summary>
/// End-to-end throughput of the local pipeline (local folders, in-process queue: upload, ingestion, queue, worker,
/// results, metrics, gallery) against the compute alone on the same images and decoders: image decoding (once per
/// image), the decoder's crop, feature extraction, batched decoding and the metrics, with no storage, queue or PNG.
/// Both include loading the decoders; the user's upload is not timed. Overhead = end-to-end time / compute time − 1,
/// from the medians of seven interleaved runs after a warm-up.
/// </summary>
internal static class PipelineBenchmark
{
    public static int Run(string[] args)
    {
        string images = args.Length > 1 && args[0] == "--images" ? args[1] : "data/photos/test";
        string modelsDir = Path.Combine(FindRoot(), "models");
        var models = Directory
            .GetDirectories(modelsDir)
            .Where(d => File.Exists(Path.Combine(d, "manifest.json")))
            .Order(StringComparer.Ordinal)
            .ToList();
        var files = Directory.GetFiles(images).Order(StringComparer.Ordinal).ToList();
        Console.WriteLine(
            $"# {Environment.ProcessorCount} cores; {files.Count} images from {images}; decoders "
                + $"{string.Join(", ", models.Select(Path.GetFileName))}"
        );

        Compute(models, files); // warm-up: JIT, page cache, libtorch threads
        EndToEnd(models, files);
        var computes = new List<double>();
        var pipelines = new List<double>();
        for (int run = 0; run < 7; run++) // interleaved, so drift of the machine affects both alike
        {
            computes.Add(Compute(models, files));
            pipelines.Add(EndToEnd(models, files));
        }
        double compute = Median(computes),
            pipeline = Median(pipelines);
        int results = files.Count * models.Count;
        Console.WriteLine("| measure (median of 7) | seconds | results | results/s |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine(
            $"| compute only (decode image, crop, features, batched decoder, metrics) | {compute:F2} | {results} | "
                + $"{results / compute:F1} |"
        );
        Console.WriteLine(
            $"| local pipeline, trigger to gallery (in-process queue, local folders) | {pipeline:F2} | {results} | "
                + $"{results / pipeline:F1} |"
        );
        Console.WriteLine(
            $"pipeline overhead: {(pipeline / compute - 1) * 100:F1}% of compute (per run: "
                + $"{string.Join(", ", computes.Zip(pipelines, (c, p) => $"{(p / c - 1) * 100:F0}%"))})"
        );
        return 0;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>The work itself, done as cheaply as this code base can: each image decoded once into its decoder
    /// views (in parallel, the ingestion's own decode: views rendered from the decoded 8-bit pixels, no full-size
    /// float image), features in parallel, decoders in batches of 16, metrics. Crops only: the end-to-end run is told
    /// to skip whole images too.</summary>
    private static double Compute(List<string> models, List<string> files)
    {
        var clock = Stopwatch.StartNew();
        var manifests = models.Select(DecoderManifest.Read).ToList();
        var sizes = manifests.Select(m => m.ImageSize).Distinct().ToList();
        var views = new Dictionary<int, ColorImage>[files.Count];
        Parallel.For(0, files.Count, i =>
            views[i] = ImageFiles.DecodeViews(File.ReadAllBytes(files[i]), Path.GetFileName(files[i]), sizes).Views
        );
        foreach (var (dir, manifest) in models.Zip(manifests))
        {
            var (network, _) = DecoderCheckpoint.Load(dir, Benchmark.Registry, manifest.Representation);
            using (network)
            {
                int size = manifest.ImageSize;
                var inputs = views.Select(v => v[size]).ToArray();
                var features = new FeatureMap[inputs.Length];
                Parallel.For(0, inputs.Length, i =>
                    features[i] = Benchmark.Registry.Create(manifest.Representation).Extract(inputs[i])
                );
                var outputs = DecoderInference.Decode(network, features, batchSize: 16);
                for (int i = 0; i < outputs.Count; i++)
                {
                    ReconstructionMetrics.Distance(inputs[i].Planes, outputs[i].Planes);
                    ReconstructionMetrics.Psnr(inputs[i].Planes, outputs[i].Planes);
                    ReconstructionMetrics.Ssim(inputs[i].Planes, outputs[i].Planes, size);
                }
            }
        }
        return clock.Elapsed.TotalSeconds;
    }

    private static double EndToEnd(List<string> models, List<string> files)
    {
        string root = Path.Combine(Path.GetTempPath(), "fi-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var settings = new Dictionary<string, string?>
            {
                ["Pipeline:LocalRoot"] = Path.Combine(root, "storage"),
                ["Pipeline:ModelCacheDirectory"] = Path.Combine(root, "cache"),
                ["Pipeline:WholeImages"] = "false", // the compute-only side makes crops only
            };
            var representations = models.Select(m => DecoderManifest.Read(m).Representation).ToArray();
            for (int i = 0; i < representations.Length; i++)
                settings[$"Pipeline:Representations:{i}"] = representations[i];
            var pipeline = FeatureInversion.Reconstruction.Local.LocalPipeline.Create(settings, Benchmark.Registry);
            var summary = pipeline.RunAsync(models, files, "bench").GetAwaiter().GetResult();
            pipeline.DisposeAsync().AsTask().GetAwaiter().GetResult();
            if (summary.Results != files.Count * models.Count)
                throw new InvalidOperationException(
                    $"{summary.Results} results, expected {files.Count * models.Count}"
                );
            return summary.Seconds; // trigger to gallery; the upload copy is the user's part
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("repository root (Serverless.sln) not found");
    }
}
