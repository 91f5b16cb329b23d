using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Gallery;
using FeatureInversion.Pipeline.Hosting;
using FeatureInversion.Pipeline.Ingestion;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>Each host registers only what it runs, and the function app cannot be configured for what it cannot
/// compute.</summary>
public class HostRegistrationTests
{
    private static ServiceProvider FunctionHost(params (string Key, string Value)[] settings) =>
        new ServiceCollection()
            .AddLogging()
            .AddPipelineCore(
                new ConfigurationBuilder()
                    .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
                    .Build()
            )
            .AddIngestion()
            .AddResultsApi()
            .BuildServiceProvider();

    [Fact]
    public void TheFunctionAppRefusesACnnRepresentationAtStartWithTheReason()
    {
        using var services = FunctionHost(
            ("Pipeline:Representations:0", "hog"),
            ("Pipeline:Representations:1", "resnet18-conv1")
        );
        string errors = StartupErrors(services);
        Assert.Contains("resnet18-conv1", errors);
        Assert.Contains("TorchSharp", errors);
    }

    [Fact]
    public void UnknownOrIncompleteStorageAndQueueKindsAreRefused()
    {
        using var services = FunctionHost(("Pipeline:Queue", "kafka"), ("Pipeline:Storage", "azure"));
        string errors = StartupErrors(services);
        Assert.Contains("'kafka' is not a queue kind", errors);
        Assert.Contains("BlobConnectionString or BlobServiceUri", errors);

        // A storage account named while the kind is still 'local' would be ignored: publish wrote to ./pipeline-data.
        using var local = FunctionHost(("Pipeline:BlobServiceUri", "https://acct.blob.core.windows.net"));
        Assert.Contains("set Storage to 'azure' (Pipeline__Storage=azure)", StartupErrors(local));
    }

    [Fact]
    public void OneDecodeMemoryPerProcessSizedByTheSetting()
    {
        using var services = FunctionHost(("Pipeline:DecodeMemoryMegabytes", "64"));
        var memory = services.GetRequiredService<DecodeMemory>();
        Assert.Equal(64L << 20, memory.CapacityBytes);
        Assert.Same(memory, services.GetRequiredService<DecodeMemory>());
        using var defaults = FunctionHost();
        Assert.Equal(256L << 20, defaults.GetRequiredService<DecodeMemory>().CapacityBytes);

        using var tiny = FunctionHost(("Pipeline:DecodeMemoryMegabytes", "8"));
        Assert.Contains("DecodeMemoryMegabytes", StartupErrors(tiny));
    }

    /// <summary>What the host's start-up validation says, every options class at once (as ValidateOnStart runs
    /// it).</summary>
    internal static string StartupErrors(IServiceProvider services)
    {
        return ValidationMessages(
            Assert.ThrowsAny<Exception>(() => services.GetRequiredService<IStartupValidator>().Validate())
        );
    }

    /// <summary>The messages of a start-up validation failure: one options class's exception, or several in an
    /// AggregateException; nothing else.</summary>
    internal static string ValidationMessages(Exception e)
    {
        var all = e is AggregateException many ? many.InnerExceptions : [e];
        Assert.All(all, x => Assert.IsType<OptionsValidationException>(x));
        return string.Join("\n", all.Select(x => x.Message));
    }

    [Fact]
    public void AzureKindsTakeTheirClientsFromAddAzureClientsWithTheCredentialOrTheConnectionString()
    {
        // Service URIs: the clients are built by AddAzureClients with the shared DefaultAzureCredential (a token
        // credential cannot sign SAS itself); resolving them does no I/O, so no account is needed.
        using (
            var services = FunctionHost(
                ("Pipeline:Storage", "azure"),
                ("Pipeline:BlobServiceUri", "https://acct.blob.core.windows.net"),
                ("Pipeline:Queue", "storage"),
                ("Pipeline:QueueServiceUri", "https://acct.queue.core.windows.net")
            )
        )
        {
            var store = Assert.IsType<FeatureInversion.Pipeline.Storage.AzureBlobStore>(
                services.GetRequiredService<FeatureInversion.Pipeline.Storage.IBlobStore>()
            );
            var blobs = services.GetRequiredService<Azure.Storage.Blobs.BlobServiceClient>();
            Assert.Same(blobs, store.Service); // one client per host, the one registered with AddAzureClients
            Assert.Equal("https://acct.blob.core.windows.net/", blobs.Uri.ToString());
            Assert.False(blobs.CanGenerateAccountSasUri);
            Assert.Equal(
                "https://acct.queue.core.windows.net/",
                services.GetRequiredService<Azure.Storage.Queues.QueueServiceClient>().Uri.ToString()
            );
            Assert.IsType<StorageQueueJobQueue>(services.GetRequiredService<JobQueuePair>().Queue);
        }
        // Connection strings (Azurite) win over the credential: a shared key can sign SAS.
        using (
            var services = FunctionHost(
                ("Pipeline:Storage", "azure"),
                ("Pipeline:BlobConnectionString", "UseDevelopmentStorage=true")
            )
        )
        {
            var blobs = services.GetRequiredService<Azure.Storage.Blobs.BlobServiceClient>();
            Assert.True(blobs.CanGenerateAccountSasUri);
            Assert.Equal("devstoreaccount1", blobs.AccountName);
        }
    }

    [Fact]
    public void TheFunctionAppResolvesIngestionAndResultsButNoWorker()
    {
        using var services = FunctionHost();
        Assert.NotNull(services.GetRequiredService<IngestionService>());
        Assert.NotNull(services.GetRequiredService<ResultsQuery>());
        Assert.NotNull(services.GetRequiredService<FeatureInversion.Pipeline.Ingestion.TriggerPoisonRecorder>());
        Assert.Null(services.GetService<IJobSource>());
        Assert.Equal(
            ["hog", "lbp", "sift-grid", "sift-grid-colmap", "sift-grid-opencv"],
            services.GetRequiredService<RepresentationRegistry>().Names
        );
        Assert.Single(services.GetServices<IHostedService>()); // provisioning only
    }

    [Fact]
    public async Task TheWorkerHostOffersCnnLayersAndOwnsTheDecoderPoolOnce()
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddPipelineCore(
                new ConfigurationBuilder()
                    .AddInMemoryCollection(new Dictionary<string, string?> { ["Pipeline:Device"] = "cpu" })
                    .Build()
            )
            .AddDecoderWorker(TestData.Representations)
            .BuildServiceProvider();
        Assert.Contains("resnet18-pool5", services.GetRequiredService<RepresentationRegistry>().Names);
        Assert.Same(services.GetRequiredService<JobQueuePair>().Source, services.GetRequiredService<IJobSource>());
        // provisioning, the gallery projection, the job loop, the health endpoint
        Assert.Equal(4, services.GetServices<IHostedService>().Count());
        var pool = services.GetRequiredService<DecoderPool>();
        // the container disposes the pool (asynchronously, as the host does); nothing else does
        await services.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => services.GetRequiredService<DecoderPool>());
        Assert.NotNull(pool);
    }

    [Fact]
    public void TheBlobTriggerIsFedByEventGridAsFlexConsumptionRequiresAndBindsAStream()
    {
        var method = typeof(FeatureInversion.Functions.ImageUploadedFunction).GetMethod("RunAsync")!;
        var content = method.GetParameters()[0];
        var trigger = (Microsoft.Azure.Functions.Worker.BlobTriggerAttribute)
            Attribute.GetCustomAttribute(content, typeof(Microsoft.Azure.Functions.Worker.BlobTriggerAttribute))!;
        Assert.Equal(Microsoft.Azure.Functions.Worker.BlobTriggerSource.EventGrid, trigger.Source);
        // streamed: over-limit blobs are refused without being read
        Assert.Equal(typeof(Stream), content.ParameterType);
        // The subscription is made after the code deploy (postdeploy.sh), from the topic the Bicep makes.
        string bicep = File.ReadAllText(Path.Combine(TestData.Root, "infra", "modules", "eventgrid.bicep"));
        Assert.Contains("Microsoft.EventGrid/systemTopics", bicep);
        string hook = File.ReadAllText(Path.Combine(TestData.Root, "infra", "scripts", "postdeploy.sh"));
        Assert.Contains("--included-event-types Microsoft.Storage.BlobCreated", hook);
        Assert.Contains("functionName=Host.Functions.ImageUploaded", hook);
        Assert.Contains("--subject-begins-with /blobServices/default/containers/images/", hook);
        // Event Grid first: no step that a tenant may forbid comes before it.
        Assert.True(
            hook.IndexOf("event-subscription create", StringComparison.Ordinal)
                < hook.IndexOf("az ad app create", StringComparison.Ordinal)
        );
    }

    [Fact]
    public async Task TheWorkerLogsServiceBusProcessorErrors()
    {
        var logged = new List<string>();
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(new CapturingLoggerProvider(logged))
            .AddPipelineCore(
                new ConfigurationBuilder()
                    .AddInMemoryCollection(
                        new Dictionary<string, string?>
                        {
                            ["Pipeline:Device"] = "cpu",
                            ["Pipeline:Queue"] = "servicebus",
                            ["Pipeline:ServiceBusConnectionString"] =
                                "Endpoint=sb://unreachable.example/;SharedAccessKeyName=k;SharedAccessKey=a2V5",
                        }
                    )
                    .Build()
            )
            .AddDecoderWorker(TestData.Representations)
            .BuildServiceProvider();
        var source = Assert.IsType<ServiceBusJobSource>(services.GetRequiredService<IJobSource>());
        Assert.NotNull(source.OnError);
        source.OnError!(
            new Azure.Messaging.ServiceBus.ProcessErrorEventArgs(
                new InvalidOperationException("namespace not found"),
                Azure.Messaging.ServiceBus.ServiceBusErrorSource.Receive,
                "unreachable.example",
                "reconstruction-jobs",
                CancellationToken.None
            )
        );
        Assert.Contains(logged, l =>
            l.Contains("Receive") && l.Contains("reconstruction-jobs") && l.Contains("namespace not found")
        );
    }

    private sealed class CapturingLoggerProvider(List<string> lines) : Microsoft.Extensions.Logging.ILoggerProvider
    {
        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(lines);

        public void Dispose() { }

        private sealed class Logger(List<string> lines) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

            public void Log<TState>(
                Microsoft.Extensions.Logging.LogLevel logLevel,
                Microsoft.Extensions.Logging.EventId eventId,
                TState state,
                Exception? exception,
                Func<TState, Exception?, string> formatter
            )
            {
                lock (lines)
                    lines.Add($"{formatter(state, exception)} {exception?.Message}");
            }
        }
    }

    [Fact]
    public void TheEffectiveSettingsAreDescribedWithSecretsRedacted()
    {
        var storage = new StorageOptions
        {
            BlobConnectionString =
                "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0S2V5;"
                + "EndpointSuffix=core.windows.net",
        };
        var queue = new QueueOptions
        {
            ServiceBusConnectionString =
                "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=dG9wc2VjcmV0",
            Queue = "servicebus",
            MaxDeliveries = 7,
        };
        string text = PipelineOptionsDescription.Describe(storage, queue, new IngestionOptions());
        Assert.DoesNotContain("c2VjcmV0S2V5", text);
        Assert.DoesNotContain("dG9wc2VjcmV0", text);
        Assert.Contains("AccountKey=***", text);
        Assert.Contains("AccountName=acct", text);
        Assert.Contains("MaxDeliveries=7", text);
        Assert.Contains("Representations=[hog, sift-grid, lbp]", text);
        Assert.Equal(
            "https://a.blob.core.windows.net/c/b?sv=1&sig=***",
            PipelineOptionsDescription.Redact("https://a.blob.core.windows.net/c/b?sv=1&sig=abc%2F")
        );
    }
}
