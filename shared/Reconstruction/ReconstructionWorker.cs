using System.Diagnostics;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Features;
using FeatureInversion.Imaging;
using FeatureInversion.Imaging.IO;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Ingestion;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using FeatureInversion.Pipeline.Telemetry;
using Microsoft.Extensions.Logging;

namespace FeatureInversion.Reconstruction;

/// <summary>
/// Handles one reconstruction job: reads the features and the original by reference, decodes (batched with
/// concurrent jobs), writes the reconstruction, the decoder's view of the original and the metrics — metrics last,
/// create-only, so a redelivered job finds its result and completes without writing it twice — and tells the
/// read model (<see cref="IResultEvents"/>). Jobs that cannot succeed are dead-lettered with a failure record; others
/// retry up to <see cref="QueueOptions.MaxDeliveries"/>; a delivery beyond that count is dead-lettered unprocessed.
/// </summary>
public sealed class ReconstructionWorker(
    IBlobStore store,
    DecoderPool decoders,
    IResultEvents results,
    StorageOptions storage,
    QueueOptions queue,
    IngestionOptions ingestion,
    ILogger<ReconstructionWorker> logger,
    DecodeMemory? decodeMemory = null
) : IJobHandler
{
    public async Task<JobOutcome> HandleAsync(string body, int deliveryCount, CancellationToken ct)
    {
        ReconstructionJob job;
        try
        {
            job = ReconstructionJob.Parse(body);
        }
        catch (InvalidJobException e)
        {
            logger.LogWarning("Dead-lettering a malformed job message: {Error}", e.Message);
            PipelineTelemetry.Failures.Add(1, new KeyValuePair<string, object?>("reason", "invalid"));
            return JobOutcome.DeadLetter(e.Message);
        }

        // This delivery's span continues the image's trace (started at ingestion); ids on the span and on every log
        // line.
        using var activity = PipelineTelemetry.StartJob(job, deliveryCount);
        using var scope = logger.BeginScope(PipelineTelemetry.Scope(job));
        var representation = PipelineTelemetry.RepresentationTag(job.Representation);
        if (job.EnqueuedUtc != default)
            PipelineTelemetry.QueueLatency.Record(
                Math.Max(0, (DateTimeOffset.UtcNow - job.EnqueuedUtc).TotalSeconds),
                representation
            );
        var outcome = await HandleJobAsync(job, deliveryCount, ct);
        activity?.SetTag("outcome", outcome.Disposition.ToString());
        if (outcome.Disposition == JobDisposition.DeadLetter)
        {
            activity?.SetStatus(ActivityStatusCode.Error, outcome.Reason);
            PipelineTelemetry.Failures.Add(
                1,
                representation,
                new("reason", deliveryCount > queue.MaxDeliveries ? "undelivered" : "failed")
            );
        }
        return outcome;
    }

    private async Task<JobOutcome> HandleJobAsync(ReconstructionJob job, int deliveryCount, CancellationToken ct)
    {
        string metricsBlob = BlobNames.Metrics(job.Batch, job.ImageId, job.DecoderVersion);
        if (await store.ExistsAsync(storage.ResultsContainer, metricsBlob, ct))
        {
            logger.LogInformation(
                "Job {JobId} already has its result (delivery {Delivery}); completing",
                job.JobId,
                deliveryCount
            );
            return JobOutcome.Completed;
        }
        if (deliveryCount > queue.MaxDeliveries)
        {
            // Counted before processing: deliveries that never settled (the worker crashed or was killed on them) end
            // here instead of crashing the next worker too.
            string reason =
                $"delivered {deliveryCount} times, more than the {queue.MaxDeliveries} allowed: earlier deliveries "
                + $"never settled (the worker stopped or crashed on them)";
            await TryRecordFailureAsync(job, reason, deliveryCount);
            return JobOutcome.DeadLetter(reason);
        }
        try
        {
            await ProcessAsync(job, deliveryCount, ct);
            results.ResultRecorded(job.Batch);
            return JobOutcome.Completed;
        }
        catch (InvalidJobException e)
        {
            await TryRecordFailureAsync(job, e.Message, deliveryCount);
            return JobOutcome.DeadLetter(e.Message);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && deliveryCount >= queue.MaxDeliveries)
        {
            logger.LogError(e, "Job {JobId} failed on its last allowed delivery {Delivery}", job.JobId, deliveryCount);
            await TryRecordFailureAsync(job, $"failed {deliveryCount} times, last: {e.Message}", deliveryCount);
            return JobOutcome.DeadLetter($"failed {deliveryCount} times, last: {e.Message}");
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning(
                e,
                "Job {JobId} failed on delivery {Delivery}; it will be retried",
                job.JobId,
                deliveryCount
            );
            return JobOutcome.Retry(e.Message);
        }
    }

    /// <summary>Reads the job's inputs, decodes, writes the reconstruction and the feature view, then the metrics
    /// (create-only, last: their existence is what "done" means).</summary>
    private async Task ProcessAsync(ReconstructionJob job, int deliveryCount, CancellationToken ct)
    {
        var decoder = await decoders.GetAsync(job.Representation, job.DecoderVersion, ct); // loaded once per version
        var clock = Stopwatch.StartNew();
        var total = Stopwatch.StartNew();
        var features = await ReadFeaturesAsync(job.FeaturesBlob, ct);
        int size = decoder.Manifest.ImageSize;
        string? originalBlob = job.WholeMap ? null : BlobNames.Original(job.Batch, job.ImageId, size);
        var original = originalBlob is null ? null : await ReadOriginalAsync(job, originalBlob, size, ct);
        double download = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        var reconstruction = await DecodeAsync(decoder, features, job.WholeMap, ct);
        double decode = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        string pngBlob = BlobNames.Reconstruction(job.Batch, job.ImageId, job.DecoderVersion);
        await WritePngAsync(pngBlob, reconstruction, ct);
        string energyBlob = BlobNames.FeatureEnergy(job.Batch, job.ImageId, job.DecoderVersion);
        await WritePngAsync(energyBlob, FeatureEnergy.Render(features, size, out var viewKind), ct);
        var scores = job.WholeMap ? default : Score(decoder, original, reconstruction);
        WholeResult? whole = null;
        var wholeClock = Stopwatch.StartNew(); // the whole image's work counts as decoding, not as writing
        if (job.WholeMap)
            (whole, scores) = await ScoreFeatureFileAsync(decoder, job, reconstruction, pngBlob, ct);
        else if (job.WholeFeaturesBlob is not null)
            whole = await DecodeWholePhotoAsync(decoder, job, ct);
        double wholeMilliseconds = wholeClock.Elapsed.TotalMilliseconds;
        var metrics = new ResultMetrics
        {
            JobId = job.JobId,
            ImageBlob = job.ImageBlob,
            ImageId = job.ImageId,
            Representation = job.Representation,
            DecoderVersion = job.DecoderVersion,
            ImageSize = size,
            NormalizedError = scores.NormalizedError,
            Distance = scores.Distance,
            MeanImageError = scores.MeanImageError,
            ColorGain = scores.ColorGain,
            Psnr = scores.Psnr,
            Ssim = scores.Ssim,
            Reconstruction = pngBlob,
            Original = job.WholeMap ? whole?.Original : originalBlob,
            Whole = whole,
            FeatureEnergy = energyBlob,
            FeatureView = viewKind.ToString().ToLowerInvariant(),
            DownloadMilliseconds = download,
            DecodeMilliseconds = decode + wholeMilliseconds,
            UploadMilliseconds = clock.Elapsed.TotalMilliseconds - wholeMilliseconds,
            DeliveryCount = deliveryCount,
            CompletedUtc = DateTimeOffset.UtcNow,
        };
        if (metrics.NonFiniteField() is { } field)
            throw new InvalidJobException($"metric {field} is not finite; no result is written");
        await store.WriteAsync(
            storage.ResultsContainer,
            BlobNames.Metrics(job.Batch, job.ImageId, job.DecoderVersion),
            PipelineJson.Serialize(metrics),
            ContentTypes.Json,
            overwrite: false,
            ct
        );
        PipelineTelemetry.Results.Add(1, PipelineTelemetry.RepresentationTag(job.Representation));
        PipelineTelemetry.JobDuration.Record(
            total.Elapsed.TotalSeconds,
            PipelineTelemetry.RepresentationTag(job.Representation)
        );
        logger.LogInformation(
            "Job {JobId}: {Representation} error {Error:F3} in {Decode:F0} ms",
            job.JobId,
            job.Representation,
            metrics.NormalizedError,
            decode
        );
    }

    /// <summary>
    /// A photo's whole image: its whole features decoded as one map, written beside the centre square's
    /// reconstruction, and scored against the whole photo as ingestion stored it.
    /// </summary>
    private async Task<WholeResult> DecodeWholePhotoAsync(
        BatchingDecoder decoder,
        ReconstructionJob job,
        CancellationToken ct
    )
    {
        var map = await ReadFeaturesAsync(job.WholeFeaturesBlob!, ct);
        var reconstruction = await DecodeAsync(decoder, map, whole: true, ct);
        ColorImage? photo = null;
        if (
            job.WholeOriginalBlob is not null
            && await store.TryReadAsync(storage.ResultsContainer, job.WholeOriginalBlob, ct) is { } png
        )
            photo = ImageFiles.Decode(png, job.WholeOriginalBlob);
        string blob = BlobNames.WholeReconstruction(job.Batch, job.ImageId, job.DecoderVersion);
        if (photo is null)
        {
            await WritePngAsync(blob, reconstruction, ct);
            return Unscored(blob, reconstruction);
        }
        // Cells cover whole multiples of their size: cut both to the extent they share (the photo's, or the cells').
        int width = Math.Min(photo.Width, reconstruction.Width),
            height = Math.Min(photo.Height, reconstruction.Height);
        reconstruction = reconstruction.Crop(width, height);
        await WritePngAsync(blob, reconstruction, ct);
        var scores = Score(decoder, photo.Crop(width, height), reconstruction);
        return Scored(scores, reconstruction, blob, job.WholeOriginalBlob!, job.ImageId);
    }

    /// <summary>
    /// A feature file's reconstruction scored against the image uploaded beside it (<see
    /// cref="ReconstructionJob.OriginalUpload"/>), brought to the reconstruction's size and stored for the gallery.
    /// The scores are the crop results' at that size: N scaled by √(pixels ÷ the decoder's pixels), so the error and
    /// its baseline stay per-pixel comparable. Without an original (or when it is gone or unreadable) nothing is
    /// scored.
    /// </summary>
    private async Task<(WholeResult Whole, Scores Scores)> ScoreFeatureFileAsync(
        BatchingDecoder decoder,
        ReconstructionJob job,
        ColorImage reconstruction,
        string reconstructionBlob,
        CancellationToken ct
    )
    {
        var unscored = Unscored(reconstructionBlob, reconstruction);
        if (job.OriginalUpload is null)
            return (unscored, default);
        var bytes = await store.TryReadAsync(storage.ImagesContainer, job.OriginalUpload, ct);
        if (bytes is null)
        {
            logger.LogWarning("The original {Original} is gone; the result is not scored", job.OriginalUpload);
            return (unscored, default);
        }
        ColorImage original;
        string signature;
        try
        {
            // one decode: the original at the reconstruction's size, and its signature as the photo's own ingestion
            // computes it (a candidate even if the photo is not a row of the batch)
            (original, signature) = ImageFiles.DecodeResized(
                bytes,
                job.OriginalUpload,
                reconstruction.Width,
                reconstruction.Height,
                ingestion.ToImageLimits(),
                decodeMemory
            );
        }
        catch (InvalidImageException e)
        {
            logger.LogWarning("The original {Original} is not usable: {Error}", job.OriginalUpload, e.Message);
            return (unscored, default);
        }
        string originalBlob = BlobNames.PairedOriginal(job.Batch, job.ImageId, job.DecoderVersion);
        await WritePngAsync(originalBlob, original, ct);
        var scores = Score(decoder, original, reconstruction);
        var whole = Scored(scores, reconstruction, reconstructionBlob, originalBlob, BlobNames.ImageId(bytes)) with
        {
            OriginalSignature = signature,
        };
        return (whole, scores);
    }

    /// <summary>A whole result with no photo to score it against: the reconstruction and its signature (not ranked: it
    /// names no true photo).</summary>
    private static WholeResult Unscored(string blob, ColorImage reconstruction) =>
        new()
        {
            Reconstruction = blob,
            Width = reconstruction.Width,
            Height = reconstruction.Height,
            ReconstructionSignature = ImageSignature.Encode(reconstruction),
        };

    /// <summary>A whole result from its scores: the error as a ratio to the mean image's (‖x − f‖ ÷ ‖x − m‖), SSIM,
    /// and the reconstruction's signature.</summary>
    private static WholeResult Scored(
        Scores scores,
        ColorImage reconstruction,
        string reconstructionBlob,
        string originalBlob,
        string originalImageId
    ) =>
        new()
        {
            Reconstruction = reconstructionBlob,
            Width = reconstruction.Width,
            Height = reconstruction.Height,
            Original = originalBlob,
            OriginalImageId = originalImageId,
            ErrorRatio = scores.MeanImageDistance is { } mean ? scores.Distance / Math.Max(mean, 1e-9) : null,
            Ssim = scores.Ssim,
            ReconstructionSignature = ImageSignature.Encode(reconstruction),
        };

    /// <summary>The decoder's mean image resized to <paramref name="width"/> × <paramref name="height"/>; null when its
    /// version has none.</summary>
    private static ColorImage? MeanImageAt(BatchingDecoder decoder, int width, int height)
    {
        if (decoder.MeanImage is not { } mean)
            return null;
        int size = decoder.Manifest.ImageSize;
        var square = new ColorImage(size, size, mean);
        return width == size && height == size ? square : ImageFiles.Resize(square, width, height);
    }

    /// <summary>A feature map (C × H × W .npy) from the features container; a missing or unreadable one makes the job
    /// invalid.</summary>
    private async Task<FeatureMap> ReadFeaturesAsync(string blob, CancellationToken ct)
    {
        var featureBytes = await store.TryReadAsync(storage.FeaturesContainer, blob, ct)
            ?? throw new InvalidJobException($"features blob '{blob}' does not exist");
        try
        {
            var (data, shape) = NpyFile.Read(new MemoryStream(featureBytes), blob);
            if (shape.Length != 3)
                throw new InvalidJobException($"features '{blob}' have {shape.Length} dimensions, expected 3");
            return new FeatureMap(new FeatureShape(shape[0], shape[1], shape[2]), data);
        }
        catch (Exception e)
            when (e
                    is InvalidDataException
                        or EndOfStreamException
                        or FormatException
                        or OverflowException
                        or ArgumentException
            )
        {
            throw new InvalidJobException($"features '{blob}' are unreadable: {e.Message}", e);
        }
    }

    /// <summary>The decoder's crop-size reconstruction, or the whole image a map describes; a non-finite output or an
    /// undecodable map makes the job invalid (not retried).</summary>
    private static async Task<ColorImage> DecodeAsync(
        BatchingDecoder decoder,
        FeatureMap features,
        bool whole,
        CancellationToken ct
    )
    {
        try
        {
            using (PipelineTelemetry.Source.StartActivity(whole ? "decode-whole" : "decode"))
                return whole ? await decoder.DecodeWholeAsync(features, ct) : await decoder.DecodeAsync(features, ct);
        }
        catch (NonFiniteOutputException e)
        {
            // Not retried: the kernels already fell back once inside the decode (DecoderInference.Run).
            throw new InvalidJobException($"reconstruction failed: {e.Message}", e);
        }
        catch (ArgumentException e) when (whole)
        {
            throw new InvalidJobException($"the map cannot be decoded whole: {e.Message}", e);
        }
    }

    private Task<bool> WritePngAsync(string blob, ColorImage image, CancellationToken ct) =>
        store.WriteAsync(
            storage.ResultsContainer,
            blob,
            ImageFiles.EncodePng(image),
            ContentTypes.Png,
            overwrite: false,
            ct
        );

    /// <summary>The scores against the decoder's view of the original (or a feature file's original at its
    /// reconstruction's size): ‖x − f‖₂, its ratio to the decoder's test-set N (scaled by √(pixels ÷ the decoder's
    /// pixels) for another size, so the error stays per-pixel comparable), the mean image's, the colour gain, PSNR and
    /// SSIM. Without an original every score is null.</summary>
    private static Scores Score(BatchingDecoder decoder, ColorImage? original, ColorImage reconstruction)
    {
        if (original is null)
            return new Scores();
        double distance = ReconstructionMetrics.Distance(original.Planes, reconstruction.Planes);
        int size = decoder.Manifest.ImageSize;
        double n =
            (decoder.Manifest.Evaluation?.MeanPairwiseDistance ?? 0)
            * Math.Sqrt(original.Width * (double)original.Height / (size * size));
        double? meanDistance = MeanImageAt(decoder, original.Width, original.Height) is { } mean
            ? ReconstructionMetrics.Distance(original.Planes, mean.Planes)
            : null;
        return new Scores
        {
            Distance = distance,
            MeanImageDistance = meanDistance,
            NormalizedError = n > 0 ? distance / n : null,
            MeanImageError = n > 0 ? meanDistance / n : null,
            ColorGain =
                n > 0
                    ? (ReconstructionMetrics.DistanceToGray(original.Planes, reconstruction.Planes) - distance) / n
                    : null,
            Psnr = ReconstructionMetrics.Psnr(original.Planes, reconstruction.Planes),
            Ssim = ReconstructionMetrics.Ssim(original.Planes, reconstruction.Planes, original.Width, original.Height),
        };
    }

    /// <summary>The scores of a reconstruction; <see cref="MeanImageDistance"/> is ‖x − m‖₂, the mean image's
    /// distance (the whole result's ratio is taken to it).</summary>
    private readonly record struct Scores(
        double? Distance,
        double? MeanImageDistance,
        double? NormalizedError,
        double? MeanImageError,
        double? ColorGain,
        double? Psnr,
        double? Ssim
    );

    /// <summary>The decoder's view of the original, as ingestion stored it; rebuilt from the upload if it is
    /// missing.</summary>
    private async Task<ColorImage> ReadOriginalAsync(
        ReconstructionJob job,
        string originalBlob,
        int size,
        CancellationToken ct
    )
    {
        var stored = await store.TryReadAsync(storage.ResultsContainer, originalBlob, ct);
        if (stored is not null)
        {
            var view = ImageFiles.Decode(stored, originalBlob);
            if (view.Width == size && view.Height == size)
                return view;
        }
        var imageBytes = await store.TryReadAsync(storage.ImagesContainer, job.ImageBlob, ct)
            ?? throw new InvalidJobException($"image blob '{job.ImageBlob}' no longer exists");
        ColorImage original; // the same view ingestion makes: decoded at 3 bytes per pixel, no full-resolution floats
        try
        {
            original = ImageFiles
                .DecodeView(imageBytes, job.ImageBlob, size, ingestion.ToImageLimits(), decodeMemory)
                .View;
        }
        catch (InvalidImageException e)
        {
            throw new InvalidJobException(e.Message, e);
        }
        await store.WriteAsync(
            storage.ResultsContainer,
            originalBlob,
            ImageFiles.EncodePng(original),
            ContentTypes.Png,
            overwrite: false,
            ct
        );
        return original;
    }

    /// <summary>Writes the failure record; if that fails too (a full disk, throttling), the job is dead-lettered anyway
    /// and the <see cref="DeadLetterRecorder"/> writes the record from the dead-letter queue later.</summary>
    private async Task TryRecordFailureAsync(ReconstructionJob job, string error, int deliveryCount)
    {
        logger.LogWarning("Job {JobId} dead-lettered: {Error}", job.JobId, error);
        var record = new FailureRecord
        {
            Source = job.ImageBlob,
            JobId = job.JobId,
            Error = error,
            DeliveryCount = deliveryCount,
            FailedUtc = DateTimeOffset.UtcNow,
        };
        try
        {
            await store.WriteAsync(
                storage.ResultsContainer,
                BlobNames.JobFailure(job.Batch, job.ImageId, job.DecoderVersion),
                PipelineJson.Serialize(record),
                ContentTypes.Json,
                overwrite: true
            );
            results.ResultRecorded(job.Batch);
        }
        catch (Exception e)
        {
            logger.LogError(
                e,
                "Could not write the failure record of job {JobId}; the dead-letter consumer will",
                job.JobId
            );
        }
    }
}
