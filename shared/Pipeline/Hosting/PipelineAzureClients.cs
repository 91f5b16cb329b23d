using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.DependencyInjection;

namespace FeatureInversion.Pipeline.Hosting;

/// <summary>
/// The Azure SDK clients of a host, registered with Microsoft.Extensions.Azure's <c>AddAzureClients</c>: one
/// <see cref="DefaultAzureCredential"/> (<c>UseCredential</c>) for every client, so tokens are cached once and the
/// managed identity endpoint is asked once per scope; in Azure it picks the user-assigned identity named by
/// <c>AZURE_CLIENT_ID</c>, locally the developer's sign-in. A connection string, when set (Azurite, local runs), is
/// used instead. Clients are built on first use: a host on local folders and the in-process queue builds none.
/// </summary>
public static class PipelineAzureClients
{
    public static IServiceCollection AddPipelineAzureClients(this IServiceCollection services)
    {
        services.AddAzureClients(clients =>
        {
            clients.UseCredential(new DefaultAzureCredential());
            clients.AddClient<BlobServiceClient, BlobClientOptions>(
                (clientOptions, credential, sp) =>
                {
                    var storage = sp.GetRequiredService<StorageOptions>();
                    return !string.IsNullOrEmpty(storage.BlobConnectionString)
                        ? new BlobServiceClient(storage.BlobConnectionString, clientOptions)
                        : new BlobServiceClient(new Uri(storage.BlobServiceUri!), credential, clientOptions);
                }
            );
            clients.AddClient<QueueServiceClient, QueueClientOptions>(
                (clientOptions, credential, sp) =>
                {
                    var queue = sp.GetRequiredService<QueueOptions>();
                    // what the blob extension and Azure tools expect
                    clientOptions.MessageEncoding = QueueMessageEncoding.Base64;
                    return !string.IsNullOrEmpty(queue.QueueConnectionString)
                        ? new QueueServiceClient(queue.QueueConnectionString, clientOptions)
                        : new QueueServiceClient(new Uri(queue.QueueServiceUri!), credential, clientOptions);
                }
            );
            clients.AddClient<ServiceBusClient, ServiceBusClientOptions>(
                (clientOptions, credential, sp) =>
                {
                    var queue = sp.GetRequiredService<QueueOptions>();
                    return !string.IsNullOrEmpty(queue.ServiceBusConnectionString)
                        ? new ServiceBusClient(queue.ServiceBusConnectionString, clientOptions)
                        : new ServiceBusClient(queue.ServiceBusNamespace, credential, clientOptions);
                }
            );
        });
        return services;
    }

    /// <summary>The same clients outside a host (the CLI's <c>pipeline</c> verb, benchmarks): a provider of their own
    /// over <paramref name="storage"/> and <paramref name="queue"/>; disposing it disposes the clients.</summary>
    public static ServiceProvider Standalone(StorageOptions storage, QueueOptions queue)
    {
        var services = new ServiceCollection();
        services.AddSingleton(storage).AddSingleton(queue);
        services.AddPipelineAzureClients();
        return services.BuildServiceProvider();
    }
}
