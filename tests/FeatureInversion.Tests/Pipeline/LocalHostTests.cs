using FeatureInversion.Pipeline.Hosting;
using FeatureInversion.Pipeline.Ingestion;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Reconstruction.Local;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>The local mode's composition: the cloud hosts' registrations, validated settings, one retry
/// policy.</summary>
public class LocalHostTests
{
    private static Dictionary<string, string?> Settings(string root) =>
        new()
        {
            ["Pipeline:LocalRoot"] = Path.Combine(root, "storage"),
            ["Pipeline:ModelCacheDirectory"] = Path.Combine(root, "cache"),
            ["Pipeline:Device"] = "cpu",
        };

    [Fact]
    public async Task TheLocalHostRunsTheWorkerContainersHostedServicesFromTheSameRegistrations()
    {
        string root = Path.Combine(Path.GetTempPath(), "fi-localhost-" + Guid.NewGuid().ToString("N"));
        await using var pipeline = LocalPipeline.Create(Settings(root), TestData.Representations);
        var hosted = pipeline.Services.GetServices<IHostedService>().Select(s => s.GetType()).ToList();
        // The projection before the job loop: hosts stop in reverse order, so its last update sees the last results.
        Assert.Equal(
            [
                typeof(PipelineProvisioning),
                typeof(GalleryProjectionService),
                typeof(JobWorkerService),
                typeof(WorkerHealthEndpoint),
            ],
            hosted
        );
        Assert.IsType<InProcessJobQueue>(pipeline.Services.GetRequiredService<IJobSource>());
        Assert.Same(
            TestData.Representations,
            pipeline.Services.GetRequiredService<FeatureInversion.Features.RepresentationRegistry>()
        );
        // Ingestion and the worker share one store, queue and gallery projection, as in the cloud they share the
        // account.
        Assert.Same(
            pipeline.Services.GetRequiredService<JobQueuePair>().Queue,
            pipeline.Services.GetRequiredService<IJobQueue>()
        );
    }

    [Fact]
    public async Task LocalSettingsAreValidatedAtStartAsTheCloudHostsAre()
    {
        string root = Path.Combine(Path.GetTempPath(), "fi-localhost-" + Guid.NewGuid().ToString("N"));
        var settings = Settings(root);
        settings["Pipeline:Queue"] = "kafka";
        settings["Pipeline:Representations:0"] = "surf";
        await using var pipeline = LocalPipeline.Create(settings, TestData.Representations);
        // Both concerns' failures at once, as the cloud hosts report them (each options class validates its own).
        string errors = HostRegistrationTests.ValidationMessages(
            await Assert.ThrowsAnyAsync<Exception>(() => pipeline.RunAsync([], [], "b"))
        );
        Assert.Contains("'kafka' is not a queue kind", errors);
        Assert.Contains("surf", errors);
        Assert.False(Directory.Exists(Path.Combine(root, "storage"))); // nothing was written
    }

    [Fact]
    public void AConfiguredRepresentationListReplacesTheDefaultInsteadOfBeingAppended()
    {
        // The configuration binder appends array elements to a property's default: Pipeline__Representations__0=hog
        // gave [hog, sift-grid, lbp, hog], so the function app queued every HOG job twice.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Pipeline:Representations:0"] = "hog" })
            .Build();
        using var services = new ServiceCollection()
            .AddLogging()
            .AddPipelineCore(configuration)
            .AddIngestion()
            .BuildServiceProvider();
        Assert.Equal(["hog"], services.GetRequiredService<IngestionOptions>().Representations);
        using var defaults = new ServiceCollection()
            .AddLogging()
            .AddPipelineCore(new ConfigurationBuilder().Build())
            .AddIngestion()
            .BuildServiceProvider();
        Assert.Equal(["hog", "sift-grid", "lbp"], defaults.GetRequiredService<IngestionOptions>().Representations);
    }

    [Fact]
    public async Task TheRetryPolicyRetriesInPlaceWithItsDelaysAndThrowsTheLastFailure()
    {
        var policy = new RetryPolicy(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(50));
        var failures = new List<int>();
        int calls = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<IOException>(async () =>
            await policy
                .Retrying(4, ex => ex is IOException, (_, attempt) => failures.Add(attempt))
                .ExecuteAsync(_ =>
                {
                    calls++;
                    throw new IOException($"disk full {calls}");
                })
        );
        Assert.Equal(4, calls);
        Assert.Equal([1, 2, 3], failures); // the fourth failure is thrown, not retried
        Assert.Equal("disk full 4", e.Message);
        Assert.True(
            clock.Elapsed >= TimeSpan.FromMilliseconds(20 + 40 + 50 - 15),
            $"{clock.Elapsed.TotalMilliseconds} ms"
        ); // waits 20, 40, 50 (capped)

        calls = 0;
        await Assert.ThrowsAsync<FormatException>(async () =>
            await policy
                .Retrying(4, ex => ex is IOException)
                .ExecuteAsync(_ =>
                {
                    calls++;
                    throw new FormatException("not transient");
                })
        );
        Assert.Equal(1, calls); // what the predicate does not accept is not retried
        Assert.Equal(3, await policy.Retrying(4, _ => true).ExecuteAsync(_ => ValueTask.FromResult(++calls + 1)));
    }
}
