using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>Each host registers only what it runs, and the function app cannot be configured for what it cannot compute.</summary>
public class HostRegistrationTests
{
    private static ServiceProvider FunctionHost(params (string Key, string Value)[] settings) => new ServiceCollection().AddLogging()
        .AddPipelineCore(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build())
        .AddIngestion().AddResultsApi().BuildServiceProvider();

    [Fact]
    public void TheFunctionAppRefusesACnnRepresentationAtStartWithTheReason()
    {
        using var services = FunctionHost(("Pipeline:Representations:0", "hog"), ("Pipeline:Representations:1", "resnet18-conv1"));
        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<PipelineOptions>());
        Assert.Contains("resnet18-conv1", e.Message);
        Assert.Contains("TorchSharp", e.Message);
    }

    [Fact]
    public void UnknownOrIncompleteStorageAndQueueKindsAreRefused()
    {
        using var services = FunctionHost(("Pipeline:Queue", "kafka"), ("Pipeline:Storage", "azure"));
        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<PipelineOptions>());
        Assert.Contains("'kafka' is not a queue kind", e.Message);
        Assert.Contains("BlobConnectionString or BlobServiceUri", e.Message);
    }

    [Fact]
    public void TheFunctionAppResolvesIngestionAndResultsButNoWorker()
    {
        using var services = FunctionHost();
        Assert.NotNull(services.GetRequiredService<IngestionService>());
        Assert.NotNull(services.GetRequiredService<ResultsQuery>());
        Assert.Null(services.GetService<IJobSource>());
        Assert.Equal(["hog", "lbp", "sift-grid"], services.GetRequiredService<RepresentationRegistry>().Names);
        Assert.Single(services.GetServices<IHostedService>()); // provisioning only
    }

    [Fact]
    public async Task TheWorkerHostOffersCnnLayersAndOwnsTheDecoderPoolOnce()
    {
        var services = new ServiceCollection().AddLogging()
            .AddPipelineCore(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Pipeline:Device"] = "cpu" }).Build())
            .AddDecoderWorker().BuildServiceProvider();
        Assert.Contains("resnet18-pool5", services.GetRequiredService<RepresentationRegistry>().Names);
        Assert.Same(services.GetRequiredService<JobQueuePair>().Source, services.GetRequiredService<IJobSource>());
        Assert.Equal(2, services.GetServices<IHostedService>().Count()); // provisioning, worker loop
        var pool = services.GetRequiredService<DecoderPool>();
        await services.DisposeAsync(); // the container disposes the pool (asynchronously, as the host does); nothing else does
        Assert.Throws<ObjectDisposedException>(() => services.GetRequiredService<DecoderPool>());
        Assert.NotNull(pool);
    }

    [Fact]
    public void TheBlobTriggerIsFedByEventGridAsFlexConsumptionRequiresAndBindsAStream()
    {
        var method = typeof(FeatureInversion.Functions.ImageUploadedFunction).GetMethod("RunAsync")!;
        var content = method.GetParameters()[0];
        var trigger = (Microsoft.Azure.Functions.Worker.BlobTriggerAttribute)Attribute.GetCustomAttribute(content, typeof(Microsoft.Azure.Functions.Worker.BlobTriggerAttribute))!;
        Assert.Equal(Microsoft.Azure.Functions.Worker.BlobTriggerSource.EventGrid, trigger.Source);
        Assert.Equal(typeof(Stream), content.ParameterType); // streamed: over-limit blobs are refused without being read
        string bicep = File.ReadAllText(Path.Combine(TestData.Root, "infra", "modules", "eventgrid.bicep"));
        Assert.Contains("Microsoft.Storage.BlobCreated", bicep);
        Assert.Contains("functionName=Host.Functions.ImageUploaded", bicep);
    }
}
