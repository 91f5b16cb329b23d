using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FeatureInversion.Pipeline.Telemetry;

/// <summary>
/// The pipeline's traces and metrics, with System.Diagnostics only (the hosts choose the exporter, see
/// <see cref="TelemetryServices"/>). One trace per image: ingestion starts it, each queued job carries its W3C
/// <c>traceparent</c> (<see cref="ReconstructionJob.TraceParent"/>), and the worker's span for the job continues it,
/// so upload → ingestion → queue → decode → result is one trace with the image id and job id on every span.
/// </summary>
public static class PipelineTelemetry
{
    public const string Name = "FeatureInversion.Pipeline";

    public static ActivitySource Source { get; } = new(Name);
    public static Meter Meter { get; } = new(Name);

    /// <summary>Uploads ingested, tagged <c>outcome</c> = accepted | refused.</summary>
    public static Counter<long> Uploads { get; } =
        Meter.CreateCounter<long>("pipeline.uploads", "{upload}", "Uploads ingested, by outcome");

    /// <summary>Reconstructions written, tagged <c>representation</c> (their rate is the results per second).</summary>
    public static Counter<long> Results { get; } =
        Meter.CreateCounter<long>("pipeline.results", "{result}", "Reconstructions written, by representation");

    /// <summary>Jobs ended without a result, tagged <c>reason</c> = invalid (malformed message) | failed | undelivered
    /// (beyond the delivery limit) and <c>representation</c>.</summary>
    public static Counter<long> Failures { get; } =
        Meter.CreateCounter<long>("pipeline.failures", "{job}", "Jobs dead-lettered with a failure record");

    /// <summary>Seconds from a job's enqueueing to the start of its delivery.</summary>
    public static Histogram<double> QueueLatency { get; } =
        Meter.CreateHistogram<double>("pipeline.queue.latency", "s", "Time from enqueue to delivery");

    /// <summary>Seconds a delivery took from receipt to its result.</summary>
    public static Histogram<double> JobDuration { get; } =
        Meter.CreateHistogram<double>("pipeline.job.duration", "s", "Time from delivery to result");

    /// <summary>Images per decoder forward pass over the batch size (1 = full batches), tagged
    /// <c>representation</c>.</summary>
    public static Histogram<double> BatchFill { get; } =
        Meter.CreateHistogram<double>("pipeline.batch.fill", "1", "Images per forward pass / batch size");

    /// <summary>The <c>representation</c> tag of the metrics.</summary>
    public static KeyValuePair<string, object?> RepresentationTag(string representation) =>
        new("representation", representation);

    /// <summary>A delivery's span, continuing the trace its ingestion started when the message carries one, with the
    /// job's ids as tags.</summary>
    public static Activity? StartJob(ReconstructionJob job, int deliveryCount)
    {
        var parent =
            job.TraceParent is { } traceParent && ActivityContext.TryParse(traceParent, null, out var context)
                ? context
                : default;
        return Source
            .StartActivity("reconstruct", ActivityKind.Consumer, parent)
            ?.SetTag("job.id", job.JobId)
            .SetTag("image.id", job.ImageId)
            .SetTag("batch", job.Batch)
            .SetTag("representation", job.Representation)
            .SetTag("decoder.version", job.DecoderVersion)
            .SetTag("delivery", deliveryCount);
    }

    /// <summary>The log scope of a job: its ids on every log line written while it runs.</summary>
    public static Dictionary<string, object> Scope(ReconstructionJob job) =>
        new()
        {
            ["JobId"] = job.JobId,
            ["ImageId"] = job.ImageId,
            ["Batch"] = job.Batch,
            ["Representation"] = job.Representation,
        };
}
