using System.Collections.Concurrent;
using FeatureInversion.Features;
using FeatureInversion.Imaging;
using FeatureInversion.IO;
using FeatureInversion.Models;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Logging;

namespace FeatureInversion.Pipeline;

/// <summary>
/// What the blob trigger does with an uploaded image: validate it, compute each configured representation on the
/// decoder's view of it (the grayscale centre square at the newest published decoder's size), store the features
/// as .npy blobs and queue one job per (image, representation, decoder version). Refused uploads (not an image,
/// corrupt, too large) get an ingestion record with the reason instead of an exception, so the trigger does not
/// retry them. Everything is named by content hash: a re-fired trigger rewrites the same names and queues the same
/// job ids.
/// </summary>
public sealed class IngestionService(IBlobStore store, IJobQueue queue, ModelRegistry registry, GalleryWriter gallery, PipelineOptions options,
    RepresentationRegistry representations, ILogger<IngestionService> logger)
{
    private readonly ConcurrentDictionary<string, DecoderManifest> _manifests = new();

    public async Task<IngestionRecord> IngestAsync(string imageBlob, ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        string batch = BlobNames.Batch(imageBlob);
        IngestionRecord record;
        if (content.Length > options.MaxImageBytes)
            record = Refused(imageBlob, $"{content.Length} bytes exceeds the {options.MaxImageBytes}-byte limit");
        else if (content.Length == 0)
            record = Refused(imageBlob, "the blob is empty");
        else
        {
            ColorImage? photo = null;
            string? error = null;
            try { photo = ImageFiles.Decode(content.Span, imageBlob); }
            catch (InvalidImageException e) { error = e.Message; }
            record = photo is null ? Refused(imageBlob, error!) : await AcceptAsync(imageBlob, BlobNames.ImageId(content.Span), photo, ct);
        }

        await store.WriteAsync(options.ResultsContainer, BlobNames.Ingestion(imageBlob), PipelineJson.Serialize(record), ContentTypes.Json, overwrite: true, ct);
        switch (record)
        {
            case AcceptedUpload accepted:
                foreach (var job in accepted.Jobs)
                {
                    await queue.EnqueueAsync(new ReconstructionJob
                    {
                        JobId = job.JobId, ImageBlob = imageBlob, ImageId = accepted.ImageId, Batch = batch, Representation = job.Representation,
                        DecoderVersion = job.DecoderVersion, FeaturesBlob = job.FeaturesBlob, EnqueuedUtc = DateTimeOffset.UtcNow,
                    }, ct);
                }
                logger.LogInformation("Ingested {Blob} as {ImageId}: {Jobs} jobs queued", imageBlob, accepted.ImageId, accepted.Jobs.Count);
                break;
            case RefusedUpload refused:
                logger.LogWarning("Refused {Blob}: {Error}", imageBlob, refused.Error);
                await gallery.RebuildAsync(batch, ct); // no worker will touch this batch for a refused upload
                break;
        }
        return record;
    }

    private async Task<AcceptedUpload> AcceptAsync(string imageBlob, string imageId, ColorImage photo, CancellationToken ct)
    {
        var warnings = new List<string>();
        var plans = new List<(RepresentationDescriptor Representation, DecoderManifest Manifest)>();
        foreach (var rep in options.Representations)
        {
            var descriptor = representations.Get(rep); // checked at host start by PipelineOptionsValidator
            var version = await registry.NewestVersionAsync(descriptor.Name, ct);
            if (version is null) { warnings.Add($"no decoder published for '{descriptor.Name}'"); continue; }
            var manifest = _manifests.TryGetValue(version, out var m) ? m : await registry.ReadManifestAsync(descriptor.Name, version, ct);
            if (manifest is null) { warnings.Add($"decoder {descriptor.Name}/{version} has no manifest"); continue; }
            _manifests[version] = manifest;
            plans.Add((descriptor, manifest));
        }

        // Representations are independent: extract them in parallel (each extractor instance is single-threaded).
        // The decoder's view of the photo, once per decoder size: features are computed on it, and it is stored
        // (small PNG) as the worker's reference for the metrics and the gallery, so workers never decode the upload.
        var views = plans.Select(p => p.Manifest.ImageSize).Distinct().ToDictionary(size => size, size => ImageFiles.CenterSquare(photo, size));
        string batch = BlobNames.Batch(imageBlob);
        foreach (var (size, view) in views)
            await store.WriteAsync(options.ResultsContainer, BlobNames.Original(batch, imageId, size), ImageFiles.EncodePng(view), ContentTypes.Png, overwrite: false, ct);

        var features = new (string Blob, byte[] Npy)[plans.Count];
        Parallel.For(0, plans.Count, i =>
        {
            var (rep, manifest) = plans[i];
            var map = rep.Create().Extract(views[manifest.ImageSize]);
            using var stream = new MemoryStream();
            NpyFile.Write(stream, map.Data, map.Shape.Channels, map.Shape.Rows, map.Shape.Cols);
            features[i] = (BlobNames.Features(imageId, rep.Name, manifest.ImageSize), stream.ToArray());
        });

        var jobs = new List<IngestedJob>();
        for (int i = 0; i < plans.Count; i++)
        {
            await store.WriteAsync(options.FeaturesContainer, features[i].Blob, features[i].Npy, ContentTypes.Binary, overwrite: false, ct);
            jobs.Add(new IngestedJob(BlobNames.JobId(imageId, plans[i].Manifest.Version), plans[i].Representation.Name, plans[i].Manifest.Version, features[i].Blob));
        }
        return new AcceptedUpload
        {
            ImageBlob = imageBlob, ImageId = imageId, Batch = batch, Width = photo.Width, Height = photo.Height,
            Jobs = jobs, Warnings = warnings, IngestedUtc = DateTimeOffset.UtcNow,
        };
    }

    private static RefusedUpload Refused(string imageBlob, string error) =>
        new() { ImageBlob = imageBlob, Batch = BlobNames.Batch(imageBlob), Error = error, IngestedUtc = DateTimeOffset.UtcNow };
}
