using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FeatureInversion.Pipeline;

/// <summary>
/// Registers the pipeline's services from the "Pipeline" configuration section: storage and queue by kind
/// (connection strings locally, DefaultAzureCredential with service URIs in Azure), the model registry, ingestion,
/// the worker's handler and decoder pool, the gallery writer and the results query.
/// </summary>
public static class PipelineServices
{
    public static IServiceCollection AddFeatureInversionPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PipelineOptions>().Bind(configuration.GetSection(PipelineOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<PipelineOptions>>().Value);
        services.AddSingleton<IBlobStore>(sp => CreateBlobStore(sp.GetRequiredService<PipelineOptions>()));
        services.AddSingleton(sp => CreateQueue(sp.GetRequiredService<PipelineOptions>()));
        services.AddSingleton<IJobQueue>(sp => sp.GetRequiredService<JobQueuePair>().Queue);
        services.AddSingleton<IJobSource>(sp => sp.GetRequiredService<JobQueuePair>().Source);
        services.AddSingleton<ModelRegistry>();
        services.AddSingleton<GalleryWriter>();
        services.AddSingleton<IngestionService>();
        services.AddSingleton<ResultsQuery>();
        services.AddSingleton(sp => new DecoderPool(sp.GetRequiredService<ModelRegistry>(), sp.GetRequiredService<PipelineOptions>(), sp.GetRequiredService<PipelineOptions>().ModelCacheDirectory));
        services.AddSingleton<ReconstructionWorker>();
        return services;
    }

    /// <summary>Both ends of the configured queue (one object for the in-process and storage queues).</summary>
    public sealed record JobQueuePair(IJobQueue Queue, IJobSource Source);

    public static IBlobStore CreateBlobStore(PipelineOptions o) => o.Storage switch
    {
        "local" => new LocalBlobStore(o.LocalRoot),
        _ when !string.IsNullOrEmpty(o.BlobConnectionString) => new AzureBlobStore(new BlobServiceClient(o.BlobConnectionString)),
        _ when !string.IsNullOrEmpty(o.BlobServiceUri) => new AzureBlobStore(new BlobServiceClient(new Uri(o.BlobServiceUri), new DefaultAzureCredential())),
        _ => throw new OptionsValidationException(PipelineOptions.Section, typeof(PipelineOptions), ["Storage 'azure' needs BlobConnectionString or BlobServiceUri."]),
    };

    public static JobQueuePair CreateQueue(PipelineOptions o)
    {
        switch (o.Queue)
        {
            case "inprocess":
                var local = new InProcessJobQueue(o.BatchSize);
                return new JobQueuePair(local, local);
            case "storage":
                var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
                var service = !string.IsNullOrEmpty(o.QueueConnectionString) ? new QueueServiceClient(o.QueueConnectionString, queueOptions)
                    : !string.IsNullOrEmpty(o.QueueServiceUri) ? new QueueServiceClient(new Uri(o.QueueServiceUri), new DefaultAzureCredential(), queueOptions)
                    : throw new OptionsValidationException(PipelineOptions.Section, typeof(PipelineOptions), ["Queue 'storage' needs QueueConnectionString or QueueServiceUri."]);
                var storage = StorageQueueJobQueue.Create(service, o.QueueName, TimeSpan.FromSeconds(o.VisibilityTimeoutSeconds), o.BatchSize);
                storage.EnsureCreatedAsync().GetAwaiter().GetResult();
                return new JobQueuePair(storage, storage);
            default:
                var client = !string.IsNullOrEmpty(o.ServiceBusConnectionString) ? new ServiceBusClient(o.ServiceBusConnectionString)
                    : !string.IsNullOrEmpty(o.ServiceBusNamespace) ? new ServiceBusClient(o.ServiceBusNamespace, new DefaultAzureCredential())
                    : throw new OptionsValidationException(PipelineOptions.Section, typeof(PipelineOptions), ["Queue 'servicebus' needs ServiceBusConnectionString or ServiceBusNamespace."]);
                return new JobQueuePair(new ServiceBusJobQueue(client.CreateSender(o.QueueName)),
                    new ServiceBusJobSource(client, o.QueueName, ServiceBusJobSource.DefaultOptions(o.BatchSize, TimeSpan.FromMinutes(o.MaxLockRenewalMinutes))));
        }
    }
}
