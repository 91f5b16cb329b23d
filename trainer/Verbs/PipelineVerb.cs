using System.CommandLine;
using System.Globalization;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Models;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Ingestion;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using FeatureInversion.Reconstruction.Local;
using Microsoft.Extensions.DependencyInjection;

namespace FeatureInversion.Trainer.Verbs;

/// <summary>
/// <c>pipeline</c>: the whole pipeline in this process over a folder (uploads, ingestion as the blob trigger does
/// it, queued jobs, the decoder worker, galleries), on local folders with an in-process queue, or on Azurite (or
/// Azure Storage) blobs and a storage queue.
/// </summary>
internal sealed class PipelineVerb : IVerb
{
    private readonly Argument<DirectoryInfo> _folder = new("folder")
    {
        Description =
            "Folder of images (every file is uploaded under its own name, hidden ones too; non-images, broken and "
            + "oversized images are refused with a reason)",
    };
    private readonly Option<DirectoryInfo> _out = new("--out")
    {
        Description = "Output folder (local storage, model cache)",
        DefaultValueFactory = _ => new DirectoryInfo("pipeline-out"),
        HelpName = "DIR",
    };
    private readonly Option<DirectoryInfo> _models = new("--models")
    {
        Description =
            $"Folder of decoder checkpoints to publish first (default: the shipped ones: "
            + $"${CommonOptions.ModelsVariable}, ./models, or the models folder above the program)",
        DefaultValueFactory = _ => CommonOptions.DefaultModels(),
        HelpName = "DIR",
    };
    private readonly Option<string?> _batch = new("--batch")
    {
        Description = "Batch name (the images' folder in the containers); default run-<UTC time>",
        HelpName = "NAME",
    };
    private readonly Option<bool> _azurite = new("--azurite")
    {
        Description =
            "Use blob and queue storage (Azurite by default) instead of local folders and an in-process queue",
    };
    private readonly Option<string> _connection = new("--connection")
    {
        Description = "Storage connection string for --azurite",
        DefaultValueFactory = _ => "UseDevelopmentStorage=true",
        HelpName = "STRING",
    };
    private readonly Option<bool> _followSymlinks = new("--follow-symlinks")
    {
        Description =
            "Upload the files symbolic links in the folder point to (by default links are listed as refused, never "
            + "followed)",
    };
    private readonly Option<DeviceChoice> _device = CommonOptions.Device();
    private readonly Option<FileInfo?> _alexNet = CommonOptions.AlexNet();
    private readonly Option<bool> _quiet = ConsoleProgress.QuietOption();
    private readonly Option<bool> _cropsOnly = new("--crops-only")
    {
        Description =
            "Decode each photo's centre square only, not also the whole photo (no whole-image scores or "
            + "re-identification; about 1.7 times faster)",
    };

    private readonly Option<int> _decodeMemory = new("--decode-memory")
    {
        Description =
            "At most this many MB of full-resolution decodes at once, estimated at 9 bytes per pixel (a photo that "
            + "needs more is decoded alone)",
        DefaultValueFactory = _ => new IngestionOptions().DecodeMemoryMegabytes,
        HelpName = "MB",
    };

    public PipelineVerb()
    {
        Command = new Command(
            "pipeline",
            "Runs the whole pipeline in this process over every file of a folder and writes the results and a gallery."
        )
        {
            _folder,
            _out,
            _models,
            _batch,
            _azurite,
            _connection,
            _followSymlinks,
            _device,
            _alexNet,
            _quiet,
            _cropsOnly,
            _decodeMemory,
        };
        Command.Validators.Add(r =>
        {
            if (r.GetResult(_connection) is { Implicit: false } && !r.GetValue(_azurite))
                r.AddError("--connection goes with --azurite");
        });
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var folder = CommonOptions.ExistingFolder(parse.GetValue(_folder)!);
        var modelsDir = parse.GetValue(_models)!;
        var models = modelsDir.Exists
            ? Directory
                .GetDirectories(modelsDir.FullName)
                .Where(d => File.Exists(Path.Combine(d, DecoderManifest.FileName)))
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];
        if (models.Count == 0)
            throw new IOException($"{modelsDir}: no decoder checkpoints (folders with {DecoderManifest.FileName})");

        string outDir = parse.GetValue(_out)!.FullName;
        string? connection = parse.GetValue(_azurite) ? parse.GetValue(_connection) : null;
        // The settings the cloud hosts read from their environment, here in memory: the host validates them at start.
        var settings = new Dictionary<string, string?>
        {
            ["Pipeline:ModelCacheDirectory"] = Path.Combine(outDir, "model-cache"),
            ["Pipeline:Device"] = parse.GetValue(_device).ToString().ToLowerInvariant(),
            ["Pipeline:WholeImages"] = parse.GetValue(_cropsOnly) ? "false" : "true",
            ["Pipeline:DecodeMemoryMegabytes"] = parse.GetValue(_decodeMemory).ToString(CultureInfo.InvariantCulture),
        };
        if (connection is null)
        {
            settings["Pipeline:Storage"] = BlobStoreKinds.Local.Name;
            settings["Pipeline:LocalRoot"] = Path.Combine(outDir, "storage");
            settings["Pipeline:Queue"] = JobQueueKinds.InProcess.Name;
        }
        else
        {
            settings["Pipeline:Storage"] = BlobStoreKinds.Azure.Name;
            settings["Pipeline:BlobConnectionString"] = connection;
            settings["Pipeline:Queue"] = JobQueueKinds.Storage.Name;
            settings["Pipeline:QueueConnectionString"] = connection;
        }
        // Every published representation: the default ones first, in their usual order, then the others (CNN layers).
        var published = models
            .Select(m => DecoderManifest.Read(m).Representation)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var defaults = IngestionOptions.DefaultRepresentations;
        string[] representations = [.. defaults.Where(published.Contains), .. published.Except(defaults)];
        for (int i = 0; i < representations.Length; i++)
            settings[$"Pipeline:Representations:{i}"] = representations[i];

        await using var pipeline = LocalPipeline.Create(settings, CommonOptions.Registry(parse.GetValue(_alexNet)));
        var queue = pipeline.Services.GetRequiredService<QueueOptions>();
        var storage = pipeline.Services.GetRequiredService<StorageOptions>();
        var store = pipeline.Services.GetRequiredService<IBlobStore>();
        string where = store is AzureBlobStore azure
            ? $"Azurite/Azure storage ({azure.Service.Uri}) with the storage queue '{queue.QueueName}'"
            : $"local folders under {outDir} with an in-process queue";
        string batch = parse.GetValue(_batch) ?? $"run-{DateTimeOffset.UtcNow:yyyyMMddTHHmmssZ}";
        var listing = UploadFolder.List(folder.FullName, parse.GetValue(_followSymlinks));
        stdout.WriteLine(
            $"pipeline on {where}: {listing.Files.Count} files from {parse.GetValue(_folder)}"
                + (
                    listing.Skipped.Count > 0
                        ? $" ({listing.Skipped.Count} other entries not uploaded, listed as refused)"
                        : ""
                )
                + $", decoders {string.Join(", ", models.Select(Path.GetFileName))}"
        );
        var summary = await ConsoleProgress.RunAsync(
            parse.InvocationConfiguration.Error,
            parse.GetValue(_quiet),
            "uploads settled",
            listing.Files.Count + listing.Skipped.Count,
            progress => pipeline.RunAsync(models, listing.Files, batch, listing.Skipped, progress, ct)
        );
        foreach (var image in summary.Images)
        {
            string detail = image.Error
                ?? string.Join("  ", image.Results.Select(r => $"{r.Representation}: {r.Status.Name()}"));
            stdout.WriteLine($"  {image.ImageBlob}: {image.Status.Name()}  {detail}");
        }
        stdout.WriteLine(
            $"{summary.Uploaded} uploaded, {summary.Refused} refused, {summary.IngestionErrors.Count} not ingested, "
                + $"{summary.Results} reconstructions, {summary.Failed} failed or stalled jobs; upload "
                + $"{summary.UploadSeconds:F1} s, processing {summary.Seconds:F1} s"
        );
        stdout.WriteLine($"gallery: {summary.Gallery}");
        stdout.WriteLine(
            $"metrics: {storage.ResultsContainer}/{batch}/<image id>/<decoder version>.json"
                + (store is LocalBlobStore l ? $" under {Path.Combine(l.Root, storage.ResultsContainer)}" : "")
        );
        return 0;
    }
}
