using FeatureInversion.Imaging;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeatureInversion.Trainer;

/// <summary>The pipeline verbs: the local end-to-end run, the worker service, publishing and scheduled retraining.</summary>
public static partial class Cli
{
    private static async Task<int> PipelineVerbAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            return args[0] switch
            {
                "pipeline" => await LocalPipelineAsync(args[1..], stdout),
                "worker" => await WorkerAsync(args[1..]),
                "publish" => await PublishAsync(args[1..], stdout),
                _ => await RetrainAsync(args[1..], stdout, stderr),
            };
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            stderr.WriteLine(Usage);
            return 2;
        }
        catch (Exception e) when (e is InvalidImageException or ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException
            or Microsoft.Extensions.Options.OptionsValidationException or Azure.RequestFailedException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> LocalPipelineAsync(string[] args, TextWriter stdout)
    {
        var flags = args.Where(a => a == "--azurite").ToList();
        var rest = args.Where(a => a != "--azurite").ToArray();
        var (positional, o) = Parse(rest, "--out", "--models", "--batch", "--connection");
        if (positional.Count != 1) throw new UsageException("pipeline needs <folder> of images");
        if (!Directory.Exists(positional[0])) throw new IOException($"{positional[0]}: no such folder");
        string modelsDir = o.GetValueOrDefault("--models") ?? "models";
        var models = Directory.Exists(modelsDir) ? Directory.GetDirectories(modelsDir).Where(d => File.Exists(Path.Combine(d, "manifest.json"))).Order(StringComparer.Ordinal).ToList() : [];
        if (models.Count == 0) throw new IOException($"{modelsDir}: no decoder checkpoints (folders with manifest.json)");

        string outDir = Path.GetFullPath(o.GetValueOrDefault("--out") ?? "pipeline-out");
        string? connection = flags.Count > 0 ? o.GetValueOrDefault("--connection") ?? "UseDevelopmentStorage=true" : null;
        // The same factories the hosted apps use: local folder + in-process queue, or blob storage + storage queue.
        var options = connection is null
            ? new PipelineOptions { Storage = "local", LocalRoot = Path.Combine(outDir, "storage"), Queue = "inprocess" }
            : new PipelineOptions { Storage = "azure", BlobConnectionString = connection, Queue = "storage", QueueConnectionString = connection };
        options.ModelCacheDirectory = Path.Combine(outDir, "model-cache");
        var store = PipelineServices.CreateBlobStore(options);
        var (queue, source) = PipelineServices.CreateQueue(options);
        string where = store is AzureBlobStore azure
            ? $"Azurite/Azure storage ({azure.Service.Uri}) with the storage queue '{options.QueueName}'"
            : $"local folders under {outDir} with an in-process queue";
        string batch = o.GetValueOrDefault("--batch") ?? $"run-{DateTimeOffset.UtcNow:yyyyMMddTHHmmssZ}";
        var files = LocalPipeline.FilesIn(positional[0]);
        stdout.WriteLine($"pipeline on {where}: {files.Count} files from {positional[0]}, decoders {string.Join(", ", models.Select(Path.GetFileName))}");
        var summary = await new LocalPipeline(store, queue, source, options).RunAsync(models, files, batch);
        foreach (var image in summary.Images)
        {
            string detail = image.Error ?? string.Join("  ", image.Results.Select(r => $"{r.Representation}: {r.Status}"));
            stdout.WriteLine($"  {image.ImageBlob}: {image.Status}  {detail}");
        }
        stdout.WriteLine($"{summary.Uploaded} uploaded, {summary.Refused} refused, {summary.Results} reconstructions, {summary.Failed} failed jobs; upload {summary.UploadSeconds:F1} s, processing {summary.Seconds:F1} s");
        stdout.WriteLine($"gallery: {summary.Gallery}");
        stdout.WriteLine($"metrics: {options.ResultsContainer}/{batch}/<image id>/<decoder version>.json" + (store is LocalBlobStore l ? $" under {Path.Combine(l.Root, options.ResultsContainer)}" : ""));
        return 0;
    }

    private static IHost BuildHost(bool worker)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddFeatureInversionPipeline(builder.Configuration);
        if (worker) builder.Services.AddHostedService<JobWorkerService>();
        // Jobs run up to the lock renewal limit; give in-flight jobs time to finish on SIGTERM (Container Apps sends it).
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder.Build();
    }

    private static async Task<int> WorkerAsync(string[] args)
    {
        if (args.Length != 0) throw new UsageException("worker takes no arguments; configure it with Pipeline__* environment variables");
        using var host = BuildHost(worker: true);
        var options = host.Services.GetRequiredService<PipelineOptions>();
        await host.Services.GetRequiredService<IBlobStore>().EnsureContainersAsync([options.ResultsContainer, options.ModelsContainer]);
        await host.RunAsync();
        return 0;
    }

    private static async Task<int> PublishAsync(string[] args, TextWriter stdout)
    {
        if (args.Length == 0) throw new UsageException("publish needs <checkpoint> folders");
        using var host = BuildHost(worker: false);
        var options = host.Services.GetRequiredService<PipelineOptions>();
        await host.Services.GetRequiredService<IBlobStore>().EnsureContainersAsync([options.ModelsContainer]);
        var registry = host.Services.GetRequiredService<ModelRegistry>();
        foreach (var dir in args)
        {
            var manifest = await registry.PublishAsync(dir);
            stdout.WriteLine($"published {manifest.Representation}/{manifest.Version}; newest is now {await registry.NewestVersionAsync(manifest.Representation)}");
        }
        return 0;
    }

    private static async Task<int> RetrainAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Contains("--train") || args.Contains("--test") || args.Contains("-o"))
            throw new UsageException("retrain takes its photos from the training container; do not pass --train, --test or -o");
        using var host = BuildHost(worker: false);
        var options = host.Services.GetRequiredService<PipelineOptions>();
        var store = host.Services.GetRequiredService<IBlobStore>();
        string work = Path.Combine(Path.GetTempPath(), $"retrain-{Guid.NewGuid():N}");
        try
        {
            foreach (var split in new[] { "train", "test" })
            {
                var names = await store.ListAsync(options.TrainingContainer, split + "/");
                if (names.Count == 0) throw new IOException($"training container '{options.TrainingContainer}' has no {split}/ photos");
                Directory.CreateDirectory(Path.Combine(work, split));
                foreach (var name in names)
                {
                    var bytes = await store.TryReadAsync(options.TrainingContainer, name) ?? throw new IOException($"{name} vanished during download");
                    await File.WriteAllBytesAsync(Path.Combine(work, split, name[(split.Length + 1)..].Replace('/', '_')), bytes);
                }
                stdout.WriteLine($"{names.Count} {split} photos from '{options.TrainingContainer}'");
            }
            int code = Train([.. args, "--train", Path.Combine(work, "train"), "--test", Path.Combine(work, "test"), "-o", Path.Combine(work, "out")], stdout, stderr, out var outDir);
            if (code != 0) return code;
            await store.EnsureContainersAsync([options.ModelsContainer]);
            var manifest = await host.Services.GetRequiredService<ModelRegistry>().PublishAsync(outDir);
            stdout.WriteLine($"published {manifest.Representation}/{manifest.Version}");
            return 0;
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }
}
