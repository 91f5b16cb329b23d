using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Pipeline.Gallery;

/// <summary>Status of one uploaded image and read-only, expiring URLs of its results (what the HTTP function
/// returns).</summary>
public sealed record ImageStatus(
    string ImageBlob,
    JobStatus Status,
    string? ImageId,
    string? Error,
    Uri? Gallery,
    IReadOnlyList<RepresentationStatus> Results
);

public sealed record RepresentationStatus(
    string Representation,
    string DecoderVersion,
    JobStatus Status,
    Uri? Reconstruction,
    Uri? Metrics,
    string? Error
);

public sealed class ResultsQuery(IBlobStore store, StorageOptions storage, GalleryOptions galleryOptions)
{
    /// <summary>When a job of this upload still pending counts as stalled (<see
    /// cref="GalleryOptions.StalledAfterMinutes"/> after ingestion).</summary>
    public static DateTimeOffset StalledAfter(AcceptedUpload upload, GalleryOptions galleryOptions) =>
        upload.IngestedUtc.AddMinutes(galleryOptions.StalledAfterMinutes);

    /// <summary>The status of an uploaded blob (name inside the images container), or null if it was never
    /// ingested.</summary>
    public async Task<ImageStatus?> GetAsync(string imageBlob, CancellationToken ct = default)
    {
        if (BlobNames.Problem(imageBlob) is { } problem)
            throw new ArgumentException(
                $"Name an image blob inside the images container ({problem}).",
                nameof(imageBlob)
            );
        var bytes = await store.TryReadAsync(storage.ResultsContainer, BlobNames.Ingestion(imageBlob), ct);
        if (bytes is null)
            return null;
        var record = PipelineJson.Deserialize<IngestionRecord>(bytes);
        var lifetime = TimeSpan.FromSeconds(galleryOptions.ResultUrlSeconds);
        string batch = record.Batch;
        // Static pages exist only on the local folder store; elsewhere the function app serves the gallery (its address
        // is the caller's).
        Uri? gallery =
            Gallery.GalleryWriter.WritesPagesOn(storage)
            && await store.ExistsAsync(storage.ResultsContainer, BlobNames.Gallery(batch), ct)
                ? await store.GetReadUrlAsync(storage.ResultsContainer, BlobNames.Gallery(batch), lifetime, ct)
                : null;
        if (record is ExpandedUpload expanded)
        {
            // A file of several images: its results are its images' (each an upload of its own), its status the least
            // settled of theirs.
            var items = new List<ImageStatus>();
            foreach (var item in expanded.Items)
                items.Add(
                    await GetAsync(item, ct) ?? new ImageStatus(item, JobStatus.Pending, null, null, gallery, [])
                );
            var all = items.SelectMany(i => i.Results).ToList();
            return new ImageStatus(imageBlob, Overall(all), null, null, gallery, all);
        }
        if (record is not AcceptedUpload accepted)
            return new ImageStatus(imageBlob, JobStatus.Failed, null, ((RefusedUpload)record).Error, gallery, []);

        var results = new List<RepresentationStatus>();
        foreach (var job in accepted.Jobs)
        {
            string metrics = BlobNames.Metrics(batch, accepted.ImageId, job.DecoderVersion);
            string failure = BlobNames.JobFailure(batch, accepted.ImageId, job.DecoderVersion);
            if (await store.ExistsAsync(storage.ResultsContainer, metrics, ct))
            {
                results.Add(
                    new RepresentationStatus(
                        job.Representation,
                        job.DecoderVersion,
                        JobStatus.Done,
                        await store.GetReadUrlAsync(
                            storage.ResultsContainer,
                            BlobNames.Reconstruction(batch, accepted.ImageId, job.DecoderVersion),
                            lifetime,
                            ct
                        ),
                        await store.GetReadUrlAsync(storage.ResultsContainer, metrics, lifetime, ct),
                        null
                    )
                );
            }
            else if (await store.TryReadAsync(storage.ResultsContainer, failure, ct) is { } failed)
                results.Add(
                    new RepresentationStatus(
                        job.Representation,
                        job.DecoderVersion,
                        JobStatus.Failed,
                        null,
                        null,
                        PipelineJson.Deserialize<FailureRecord>(failed).Error
                    )
                );
            else if (DateTimeOffset.UtcNow > StalledAfter(accepted, galleryOptions))
                results.Add(
                    new RepresentationStatus(
                        job.Representation,
                        job.DecoderVersion,
                        JobStatus.Stalled,
                        null,
                        null,
                        $"pending since {accepted.IngestedUtc:u}, longer than {galleryOptions.StalledAfterMinutes} "
                            + $"min: no worker has settled it (workers down, or the job was lost)"
                    )
                );
            else
                results.Add(
                    new RepresentationStatus(
                        job.Representation,
                        job.DecoderVersion,
                        JobStatus.Pending,
                        null,
                        null,
                        null
                    )
                );
        }
        return new ImageStatus(imageBlob, Overall(results), accepted.ImageId, null, gallery, results);
    }

    /// <summary>An upload's status from its jobs': pending while any is, then stalled, then failed, else
    /// done.</summary>
    private static JobStatus Overall(IReadOnlyCollection<RepresentationStatus> results) =>
        results.Any(r => r.Status == JobStatus.Pending) ? JobStatus.Pending
        : results.Any(r => r.Status == JobStatus.Stalled) ? JobStatus.Stalled
        : results.Any(r => r.Status == JobStatus.Failed) ? JobStatus.Failed
        : JobStatus.Done;
}
