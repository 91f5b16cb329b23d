using Azure.Messaging.ServiceBus;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>Runs only when SERVICEBUS_CONNECTION_STRING is set (and SERVICEBUS_QUEUE, default "reconstruction-jobs"):
/// no Service Bus emulator can run on the CI machine.</summary>
public sealed class ServiceBusFactAttribute : FactAttribute
{
    public ServiceBusFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SERVICEBUS_CONNECTION_STRING")))
            Skip = "SERVICEBUS_CONNECTION_STRING is not set";
    }
}

public class ServiceBusIntegrationTests
{
    [ServiceBusFact]
    public async Task JobsSentToARealNamespaceAreReconstructedOnceAndCompleted()
    {
        string connection = Environment.GetEnvironmentVariable("SERVICEBUS_CONNECTION_STRING")!;
        string queueName = Environment.GetEnvironmentVariable("SERVICEBUS_QUEUE") ?? "reconstruction-jobs";
        await using var client = new ServiceBusClient(connection);
        var store = new LocalBlobStore(Path.Combine(Path.GetTempPath(), "fi-sb-" + Guid.NewGuid().ToString("N")));
        var source = new ServiceBusJobSource(
            client,
            queueName,
            ServiceBusJobSource.DefaultOptions(4, TimeSpan.FromMinutes(5))
        );
        await using var bed = new PipelineTestbed(
            store,
            new ServiceBusJobQueue(client.CreateSender(queueName)),
            source
        );
        await bed.SetUpAsync("hog");
        string batch = "sb-" + Guid.NewGuid().ToString("N")[..8];
        await bed.UploadPhotoAsync(batch, "camera-256x256.jpg");
        var statuses = await bed.RunWorkerUntilSettledAsync([$"{batch}/camera-256x256.jpg"], TimeSpan.FromMinutes(2));
        Assert.Equal(JobStatus.Done, Assert.Single(statuses).Status);
    }
}
