using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Azure.Monitor.OpenTelemetry.Exporter;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using FeatureInversion.Pipeline.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>
/// One trace per image from ingestion through the queue to the result, with the ids on every span, and the
/// pipeline's counters; listened to as an exporter would (ActivityListener, MeterListener).
/// </summary>
[Collection(TelemetryCollection.Name)]
public class TelemetryTests
{
    [Fact]
    public void IngestionAuthenticatesWithTheIdentityTheAuthenticationStringNames()
    {
        // The deployment turns key-based ingestion off (infra/modules/monitoring.bicep) and sets this string on every
        // host.
        Assert.Null(TelemetryServices.IngestionCredential(null));
        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(
            TelemetryServices.IngestionCredential("Authorization=AAD;ClientId=00000000-0000-0000-0000-000000000001")
        );
        Assert.IsType<Azure.Identity.DefaultAzureCredential>(
            TelemetryServices.IngestionCredential("Authorization=AAD")
        );
        Assert.Contains(
            "Authorization=AAD",
            Assert
                .Throws<InvalidOperationException>(() => TelemetryServices.IngestionCredential("Authorization=Key"))
                .Message
        );
        string bicep = File.ReadAllText(Path.Combine(TestData.Root, "infra", "modules", "monitoring.bicep"));
        Assert.Contains("DisableLocalAuth: true", bicep);
        foreach (var module in new[] { "functionapp.bicep", "containerapps.bicep" })
            Assert.Contains(
                $"'{TelemetryServices.AuthenticationSetting}'",
                File.ReadAllText(Path.Combine(TestData.Root, "infra", "modules", module))
            );
        Assert.Contains(Infrastructure.RoleTable.FromBicep(), r =>
            r.Role == "metricsPublisher" && r.Scope == "insights"
        );
    }

    [Fact]
    public void TheFailedJobsAlertCountsTheMetricTheWorkerRecords()
    {
        // Dead letters are recorded and completed, so the alert reads the pipeline's own failure counter: by its name.
        string alerts = File.ReadAllText(Path.Combine(TestData.Root, "infra", "modules", "alerts.bicep"));
        Assert.Contains($"name == \"{PipelineTelemetry.Failures.Name}\"", alerts);
        Assert.Contains(
            "module alerts 'modules/alerts.bicep'",
            File.ReadAllText(Path.Combine(TestData.Root, "infra", "main.bicep"))
        );
    }

    [Fact]
    public async Task AnUploadIsOneTraceFromIngestionToEveryResultAndTheCountersCountIt()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == PipelineTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var measured = new ConcurrentDictionary<string, double>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == PipelineTelemetry.Name)
                    l.EnableMeasurementEvents(instrument);
            },
        };
        meters.SetMeasurementEventCallback<long>(
            (i, v, tags, _) => measured.AddOrUpdate(i.Name, v, (_, old) => old + v)
        );
        meters.SetMeasurementEventCallback<double>(
            (i, v, tags, _) => measured.AddOrUpdate(i.Name + ".count", 1, (_, old) => old + 1)
        );
        meters.Start();

        var store = new LocalBlobStore(Path.Combine(Path.GetTempPath(), "fi-otel-" + Guid.NewGuid().ToString("N")));
        var queue = new InProcessJobQueue();
        await using var bed = new PipelineTestbed(store, queue, queue);
        await bed.SetUpAsync("hog", "lbp");
        var accepted = Assert.IsType<AcceptedUpload>(await bed.UploadPhotoAsync("otel", "camera-256x256.jpg"));
        var statuses = await bed.RunWorkerUntilSettledAsync([accepted.ImageBlob], TimeSpan.FromMinutes(2));
        Assert.Equal(JobStatus.Done, statuses.Single().Status);

        var mine = spans
            .Where(s =>
                Equals(s.GetTagItem("image.id"), accepted.ImageId)
                || Equals(s.GetTagItem("image.blob"), accepted.ImageBlob)
            )
            .ToList();
        var ingest = Assert.Single(mine, s => s.OperationName == "ingest");
        var reconstruct = mine.Where(s => s.OperationName == "reconstruct").ToList();
        Assert.Equal(2, reconstruct.Count);
        Assert.Equal(2, mine.Count(s => s.OperationName == "enqueue"));
        // The worker's spans continue the ingestion's trace, through the message.
        Assert.All(mine, s => Assert.Equal(ingest.TraceId, s.TraceId));
        Assert.Equal(
            accepted.Jobs.Select(j => j.JobId).Order(),
            reconstruct.Select(s => (string)s.GetTagItem("job.id")!).Order()
        );
        var decode = spans
            .Where(s => s.OperationName == "decode" && reconstruct.Any(r => r.SpanId == s.ParentSpanId))
            .ToList();
        Assert.Equal(2, decode.Count);
        Assert.All(reconstruct, s => Assert.Equal("Complete", s.GetTagItem("outcome")));

        meters.RecordObservableInstruments();
        Assert.True(measured.GetValueOrDefault("pipeline.uploads") >= 1);
        Assert.True(measured.GetValueOrDefault("pipeline.results") >= 2);
        Assert.True(measured.GetValueOrDefault("pipeline.queue.latency.count") >= 2);
        Assert.True(measured.GetValueOrDefault("pipeline.batch.fill.count") >= 1);
        Assert.True(measured.GetValueOrDefault("pipeline.job.duration.count") >= 2);
    }

    [Fact]
    public void WithAConnectionStringEveryImageTraceIsRecordedForExport()
    {
        // The Azure Monitor exporter's default sampler is rate-limited and drops the first spans; the pipeline keeps
        // every image's trace (an auditor asks about one image). Export itself needs Azure: not tested here.
        var settings = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new Dictionary<string, string?>
                {
                    [TelemetryServices.ConnectionStringSetting] =
                        "InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=http://127.0.0.1:9/",
                }
            )
            .Build();
        var services = new ServiceCollection().AddLogging();
        services.AddPipelineTelemetry(settings, "test").UseAzureMonitorExporter(o => o.DisableOfflineStorage = true);
        using var provider = services.BuildServiceProvider();
        Assert.NotNull(provider.GetRequiredService<TracerProvider>());
        for (int i = 0; i < 20; i++)
        {
            using var span = PipelineTelemetry.Source.StartActivity("ingest");
            Assert.NotNull(span);
            Assert.True(span.Recorded, $"span {i} not sampled");
        }
    }
}

/// <summary>Telemetry tests listen to process-wide sources: one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry";
}
