using System.Collections.Concurrent;
using System.Diagnostics;
using FeatureInversion.Features;
using FeatureInversion.Features.Sources;
using FeatureInversion.Imaging;
using FeatureInversion.Imaging.IO;
using FeatureInversion.Models;
using FeatureInversion.Pipeline.Gallery;
using FeatureInversion.Pipeline.Publishing;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using FeatureInversion.Pipeline.Telemetry;
using Microsoft.Extensions.Logging;

namespace FeatureInversion.Pipeline.Ingestion;

/// <summary>
/// What the blob trigger does with an uploaded image: validate it, compute each configured representation on the
/// decoder's view of it (the grayscale centre square at the newest published decoder's size), store the features
/// as .npy blobs and queue one job per (image, representation, decoder version). Refused uploads (not an image,
/// corrupt, truncated, over the size limits, smaller than a feature cell) get an ingestion record with the reason
/// instead of an exception, so the trigger does not retry them. Everything is named by content hash: a re-fired
/// trigger rewrites the same names and queues the same job ids. The record is written last, after the jobs are
/// queued: an upload without a record is one whose ingestion did not finish.
/// </summary>
public sealed class IngestionService(
    IBlobStore store,
    IJobQueue queue,
    ModelRegistry registry,
    GalleryWriter gallery,
    StorageOptions storage,
    IngestionOptions ingestion,
    RepresentationRegistry representations,
    ILogger<IngestionService> logger,
    DecodeMemory? decodeMemory = null
)
{
    private readonly ConcurrentDictionary<string, DecoderManifest> _manifests = new();

    /// <summary>Ingests an upload read from a stream (the blob trigger's binding): a blob over the byte limit is
    /// refused after reading at most the limit, never buffered whole.</summary>
    public async Task<IngestionRecord> IngestAsync(string imageBlob, Stream content, CancellationToken ct = default)
    {
        if (BlobNames.Problem(imageBlob) is { } nameProblem)
            return await RefuseNameAsync(imageBlob, nameProblem, ct);
        byte[] bytes;
        try
        {
            bytes = ImageFiles.ReadLimited(content, imageBlob, Limits);
        }
        catch (InvalidImageException e)
        {
            using var refused = StartIngest(imageBlob);
            return await RecordAsync(RefusedUpload.Now(imageBlob, Reason(e, imageBlob)), refused, ct);
        }
        return await IngestAsync(imageBlob, bytes, ct);
    }

    /// <summary>Records an input that never became a blob (an entry of the local folder that is not uploaded) as
    /// refused.</summary>
    public async Task<IngestionRecord> RefuseAsync(string imageBlob, string reason, CancellationToken ct = default)
    {
        if (BlobNames.Problem(imageBlob) is { } nameProblem)
            throw new ArgumentException($"'{imageBlob}': {nameProblem}", nameof(imageBlob));
        using var refused = StartIngest(imageBlob);
        return await RecordAsync(RefusedUpload.Now(imageBlob, reason), refused, ct);
    }

    /// <summary>An upload whose name no store handles alike (<see cref="BlobNames.Problem"/>) is refused under a safe
    /// name, its own name shown escaped: it appears in the report instead of stopping the batch.</summary>
    public Task<IngestionRecord> RefuseNameAsync(string imageBlob, string problem, CancellationToken ct = default) =>
        RefuseAsync(
            BlobNames.SafeName(imageBlob),
            $"'{BlobNames.Escape(imageBlob)}': {problem}; not processed (rename the file)",
            ct
        );

    public async Task<IngestionRecord> IngestAsync(
        string imageBlob,
        ReadOnlyMemory<byte> content,
        CancellationToken ct = default
    )
    {
        if (BlobNames.Problem(imageBlob) is { } nameProblem)
            return await RefuseNameAsync(imageBlob, nameProblem, ct);
        using var activity = StartIngest(imageBlob);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["ImageBlob"] = imageBlob });
        IngestionRecord record;
        if (content.Length == 0)
            record = RefusedUpload.Now(imageBlob, $"{imageBlob}: empty file.");
        else if (
            FeatureMapReader.IsNpy(content.Span) is var npy
            && (npy || FeatureMapReader.IsNpz(content.Span) || FeatureMapReader.IsSiftText(content.Span))
        )
        {
            // A leaked feature map or SIFT file instead of an image: decoded whole, nothing to score it against.
            var plans = await PlanAsync(ct);
            var (map, refusal) = npy
                ? FeatureMapReader.Read(imageBlob, content, plans.Plans, ingestion.MaxImagePixels)
                : FeatureMapReader.ReadKeypointFile(imageBlob, content, plans.Plans);
            record = map is null
                ? RefusedUpload.Now(imageBlob, refusal!)
                : await AcceptMapAsync(
                    imageBlob,
                    BlobNames.ImageId(content.Span),
                    map,
                    plans.Warnings,
                    await FindOriginalAsync(
                        imageBlob,
                        Path.GetFileNameWithoutExtension(BlobNames.FileName(imageBlob)),
                        ct
                    ),
                    ct
                );
        }
        else if (FeatureMapReader.IsColmapDatabase(content.Span))
        {
            // Several images in one file: each becomes an upload of its own in the batch, recorded (and queued) before
            // the database's record.
            var plans = await PlanAsync(ct);
            var (images, refusedImages, refusal) = FeatureMapReader.ReadColmap(imageBlob, content, plans.Plans);
            if (images is null)
                record = RefusedUpload.Now(imageBlob, refusal!);
            else
            {
                var items = new List<string>();
                // the file hashed once; each image's id from it and its name
                string fileId = BlobNames.ImageId(content.Span);
                foreach (var (image, map) in images)
                {
                    string item = BlobNames.Item(imageBlob, image);
                    using var itemActivity = StartIngest(item);
                    string imageId = BlobNames.ImageId(System.Text.Encoding.UTF8.GetBytes($"{fileId}\0{image}"));
                    var original = await FindOriginalAsync(imageBlob, image.Replace('\\', '/'), ct);
                    await RecordAsync(
                        await AcceptMapAsync(item, imageId, map, plans.Warnings, original, ct),
                        itemActivity,
                        ct
                    );
                    items.Add(item);
                }
                record = new ExpandedUpload
                {
                    ImageBlob = imageBlob,
                    Batch = BlobNames.Batch(imageBlob),
                    Items = items,
                    Warnings = refusedImages,
                    IngestedUtc = DateTimeOffset.UtcNow,
                    FeatureFile = $"COLMAP database: {images.Count} images reconstructed, {refusedImages.Count} not",
                };
            }
        }
        else
        {
            var plans = await PlanAsync(ct);
            DecodedUpload? decoded = null;
            string? error = null;
            try
            {
                decoded = Decode(imageBlob, content, plans);
            }
            catch (InvalidImageException e)
            {
                error = Reason(e, imageBlob);
            }
            record = decoded is { } d
                ? await AcceptAsync(imageBlob, BlobNames.ImageId(content.Span), d, plans.Plans, plans.Warnings, ct)
                : RefusedUpload.Now(imageBlob, error!);
        }
        return await RecordAsync(record, activity, ct);
    }

    /// <summary>Writes the record — for an accepted upload only after all its jobs are queued
    /// (<see cref="QueueJobsAsync"/>), so a crash before that leaves no record and the re-fired trigger (or the local
    /// pipeline's rerun) redoes the upload; every name it writes or queues is the same the second time.</summary>
    private async Task<IngestionRecord> RecordAsync(IngestionRecord record, Activity? ingest, CancellationToken ct)
    {
        string batch = record.Batch;
        ingest?.SetTag("batch", batch);
        if (record is AcceptedUpload accepted)
            await QueueJobsAsync(accepted, ingest, ct);
        // A file of several images counts as "expanded": its images are counted as the uploads they became.
        PipelineTelemetry.Uploads.Add(
            1,
            new KeyValuePair<string, object?>(
                "outcome",
                record switch
                {
                    AcceptedUpload => "accepted",
                    RefusedUpload => "refused",
                    _ => "expanded",
                }
            )
        );
        if (record is RefusedUpload)
            ingest?.SetStatus(ActivityStatusCode.Error, "refused");
        await store.WriteAsync(
            storage.ResultsContainer,
            BlobNames.Ingestion(record.ImageBlob),
            PipelineJson.Serialize(record),
            ContentTypes.Json,
            overwrite: true,
            ct
        );
        switch (record)
        {
            case AcceptedUpload a:
                logger.LogInformation(
                    "Ingested {Blob} as {ImageId}: {Jobs} jobs queued",
                    a.ImageBlob,
                    a.ImageId,
                    a.Jobs.Count
                );
                break;
            case RefusedUpload refused:
                logger.LogWarning("Refused {Blob}: {Error}", refused.ImageBlob, refused.Error);
                await gallery.RebuildAsync(batch, ct); // no worker will touch this batch for a refused upload
                break;
        }
        return record;
    }

    /// <summary>One job per (representation, decoder version) of an accepted upload, each carrying the image's
    /// trace.</summary>
    private async Task QueueJobsAsync(AcceptedUpload accepted, Activity? ingest, CancellationToken ct)
    {
        ingest?.SetTag("image.id", accepted.ImageId);
        foreach (var job in accepted.Jobs)
        {
            using var send = PipelineTelemetry.Source.StartActivity("enqueue", ActivityKind.Producer);
            send?.SetTag("image.id", accepted.ImageId);
            send?.SetTag("job.id", job.JobId);
            send?.SetTag("representation", job.Representation);
            await queue.EnqueueAsync(
                new ReconstructionJob
                {
                    JobId = job.JobId,
                    ImageBlob = accepted.ImageBlob,
                    ImageId = accepted.ImageId,
                    Batch = accepted.Batch,
                    Representation = job.Representation,
                    DecoderVersion = job.DecoderVersion,
                    FeaturesBlob = job.FeaturesBlob,
                    WholeMap = accepted.FeatureFile is not null,
                    WholeFeaturesBlob = job.WholeFeaturesBlob,
                    WholeOriginalBlob = job.WholeOriginalBlob,
                    OriginalUpload = accepted.Original,
                    EnqueuedUtc = DateTimeOffset.UtcNow,
                    TraceParent = send?.Id ?? ingest?.Id,
                },
                ct
            );
        }
    }

    /// <summary>The image's span: its trace starts here (or continues the trigger's) and every job queued carries it
    /// on. Passed to <see cref="RecordAsync"/> rather than read from Activity.Current, which may be the host's
    /// span.</summary>
    private static Activity? StartIngest(string imageBlob) =>
        PipelineTelemetry.Source.StartActivity("ingest", ActivityKind.Consumer)?.SetTag("image.blob", imageBlob);

    private ImageLimits Limits => ingestion.ToImageLimits();

    /// <summary>The refusal as the CLI words it ("name: reason.").</summary>
    private static string Reason(InvalidImageException e, string imageBlob) =>
        e.Message.StartsWith(imageBlob + ": ", StringComparison.Ordinal) ? e.Message : $"{imageBlob}: {e.Message}.";

    private sealed record Plan(
        List<(RepresentationDescriptor Representation, DecoderManifest Manifest)> Plans,
        List<string> Warnings
    );

    /// <summary>The decoder each configured representation is served with (<see
    /// cref="ModelRegistry.ServedVersionAsync"/>).</summary>
    private async Task<Plan> PlanAsync(CancellationToken ct)
    {
        var warnings = new List<string>();
        var plans = new List<(RepresentationDescriptor Representation, DecoderManifest Manifest)>();
        foreach (var rep in ingestion.Representations)
        {
            var descriptor = representations.Get(rep); // checked at host start by IngestionOptionsValidator
            var version = await registry.ServedVersionAsync(descriptor.Name, ingestion.DecoderSize, ct);
            if (version is null)
            {
                warnings.Add($"no decoder promoted for '{descriptor.Name}' at {ingestion.DecoderSize} px or smaller");
                continue;
            }
            var manifest = _manifests.TryGetValue(version, out var m)
                ? m
                : await registry.ReadManifestAsync(descriptor.Name, version, ct);
            if (manifest is null)
            {
                warnings.Add($"decoder {descriptor.Name}/{version} has no manifest");
                continue;
            }
            _manifests[version] = manifest;
            plans.Add((descriptor, manifest));
        }
        return new Plan(plans, warnings);
    }

    /// <summary>
    /// The decoder's views of the upload, one per decoder size, decoded once at 3 bytes per pixel (never as a
    /// full-resolution float image); an image smaller than a representation's cell is refused with the message the
    /// CLI gives, since its view would be enlarged from a few pixels.
    /// </summary>
    private DecodedUpload Decode(string imageBlob, ReadOnlyMemory<byte> content, Plan plans)
    {
        var sizes = plans.Plans.Select(p => p.Manifest.ImageSize).Distinct().ToList();
        var upload = ImageFiles.DecodeUpload(
            content,
            imageBlob,
            sizes,
            BlobNames.ThumbnailSide,
            Limits,
            ingestion.WholeImages ? sizes.Select(WorkingResolution.TrainedShortSide).ToList() : [],
            signature: true,
            memory: decodeMemory
        );
        // An image smaller than a representation's cell is refused with the CLI's message (its view would be enlarged
        // from a few pixels).
        foreach (var rep in ingestion.Representations.Select(representations.Get))
            rep.EnsureAccepts(imageBlob, upload.Header);
        return upload;
    }

    private async Task<AcceptedUpload> AcceptAsync(
        string imageBlob,
        string imageId,
        DecodedUpload upload,
        List<(RepresentationDescriptor Representation, DecoderManifest Manifest)> plans,
        List<string> warnings,
        CancellationToken ct
    )
    {
        // The decoder's view of the photo, once per decoder size: features are computed on it, and it is stored
        // (small PNG) as the worker's reference for the metrics and the gallery, so workers never decode the upload.
        string batch = BlobNames.Batch(imageBlob);
        var (views, header) = (upload.Views, upload.Header);
        if (upload.Thumbnail is { } thumbnail) // the whole photo for the gallery (the views are its centre square)
            await store.WriteAsync(
                storage.ResultsContainer,
                BlobNames.Thumbnail(batch, imageId),
                thumbnail,
                ContentTypes.Jpeg,
                overwrite: false,
                ct
            );
        foreach (var (size, view) in views)
            await store.WriteAsync(
                storage.ResultsContainer,
                BlobNames.Original(batch, imageId, size),
                ImageFiles.EncodePng(view),
                ContentTypes.Png,
                overwrite: false,
                ct
            );

        // The whole photo at each decoder's working resolution: its features are decoded whole beside the centre
        // square's, and the whole reconstruction is scored against it.
        var wholeBlobs = new Dictionary<int, string>();
        foreach (var (side, whole) in upload.Wholes)
        {
            wholeBlobs[side] = BlobNames.WholeOriginal(batch, imageId, side);
            await store.WriteAsync(
                storage.ResultsContainer,
                wholeBlobs[side],
                ImageFiles.EncodePng(whole),
                ContentTypes.Png,
                overwrite: false,
                ct
            );
        }

        // Representations are independent: extract them in parallel (each extractor instance is single-threaded).
        var features = new (string Blob, byte[] Npy, string? WholeBlob, byte[]? WholeNpy)[plans.Count];
        var wholeWarnings = new string?[plans.Count];
        Parallel.For(0, plans.Count, i =>
        {
            var (rep, manifest) = plans[i];
            using var extractor = rep.Create(); // a CNN layer's owns a native network
            var crop = Npy(extractor.Extract(views[manifest.ImageSize]));
            byte[]? whole = null;
            try
            {
                if (upload.Wholes.TryGetValue(WorkingResolution.TrainedShortSide(manifest.ImageSize), out var view))
                    whole = Npy(extractor.Extract(view));
            }
            catch (ArgumentException e) // too small for this representation whole: the centre square still goes
            {
                wholeWarnings[i] = $"{rep.Name}: the whole photo is not decoded ({e.Message})";
            }
            features[i] = (
                BlobNames.Features(imageId, rep.Name, manifest.ImageSize),
                crop,
                whole is null ? null : BlobNames.WholeFeatures(imageId, rep.Name, manifest.ImageSize),
                whole
            );
        });

        var jobs = new List<IngestedJob>();
        for (int i = 0; i < plans.Count; i++)
        {
            var f = features[i];
            await store.WriteAsync(storage.FeaturesContainer, f.Blob, f.Npy, ContentTypes.Binary, overwrite: false, ct);
            if (f.WholeBlob is not null)
                await store.WriteAsync(
                    storage.FeaturesContainer,
                    f.WholeBlob,
                    f.WholeNpy!,
                    ContentTypes.Binary,
                    overwrite: false,
                    ct
                );
            var manifest = plans[i].Manifest;
            jobs.Add(
                new IngestedJob(
                    BlobNames.JobId(imageId, manifest.Version),
                    plans[i].Representation.Name,
                    manifest.Version,
                    f.Blob,
                    f.WholeBlob,
                    f.WholeBlob is null ? null : wholeBlobs[WorkingResolution.TrainedShortSide(manifest.ImageSize)]
                )
            );
        }
        warnings = [.. warnings, .. wholeWarnings.OfType<string>()];
        return new AcceptedUpload
        {
            ImageBlob = imageBlob,
            ImageId = imageId,
            Batch = batch,
            Width = header.Width,
            Height = header.Height,
            Jobs = jobs,
            Warnings = warnings,
            Signature = upload.Signature,
            IngestedUtc = DateTimeOffset.UtcNow,
        };
    }

    private static byte[] Npy(FeatureMap map) =>
        NpyFile.ToBytes(map.Data, map.Shape.Channels, map.Shape.Rows, map.Shape.Cols);

    /// <summary>
    /// The image uploaded beside a feature file, which its reconstructions are scored against: in the file's batch,
    /// <paramref name="name"/> itself when it names a photo (a COLMAP database's image name), else
    /// <c>{name}.{photo extension}</c> (any case). One listing; null when there is none. Only images already uploaded
    /// count: upload the originals first (the local pipeline does).
    /// </summary>
    private async Task<string?> FindOriginalAsync(string fileBlob, string name, CancellationToken ct)
    {
        string batch = BlobNames.Batch(fileBlob);
        string stem = name[(name.LastIndexOf('/') + 1)..];
        if (stem.Length == 0)
            return null;
        var listed = await store.ListAsync(storage.ImagesContainer, $"{batch}/{stem}", ct);
        string exact = $"{batch}/{stem}";
        if (ImageFiles.HasPhotoExtension(stem) && listed.Contains(exact, StringComparer.Ordinal))
            return exact;
        return listed
            .Where(n => n.Length > exact.Length + 1 && n[exact.Length] == '.')
            .Where(n => !n.AsSpan(exact.Length + 1).Contains('.') && !n.AsSpan(exact.Length + 1).Contains('/'))
            .Where(n => n != fileBlob && ImageFiles.HasPhotoExtension(n))
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
    }

    /// <summary>An uploaded feature map: stored as float32 .npy for its decoder, one job, no thumbnail; scored against
    /// <paramref name="original"/> when an image was uploaded beside it.</summary>
    private async Task<AcceptedUpload> AcceptMapAsync(
        string imageBlob,
        string imageId,
        FeatureMapUpload upload,
        List<string> warnings,
        string? original,
        CancellationToken ct
    )
    {
        string blob = BlobNames.Features(imageId, upload.Representation.Name, upload.Manifest.ImageSize);
        await store.WriteAsync(
            storage.FeaturesContainer,
            blob,
            Npy(upload.Map),
            ContentTypes.Binary,
            overwrite: false,
            ct
        );
        return new AcceptedUpload
        {
            ImageBlob = imageBlob,
            ImageId = imageId,
            Batch = BlobNames.Batch(imageBlob),
            Width = upload.Width,
            Height = upload.Height,
            Jobs =
            [
                new IngestedJob(
                    BlobNames.JobId(imageId, upload.Manifest.Version),
                    upload.Representation.Name,
                    upload.Manifest.Version,
                    blob
                ),
            ],
            Warnings = upload.Conversion is { } note ? [.. warnings, note] : warnings,
            FeatureFile = upload.Description,
            Original = original,
            IngestedUtc = DateTimeOffset.UtcNow,
        };
    }
}
