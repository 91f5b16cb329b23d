using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeatureInversion.Pipeline.Hosting;

/// <summary>An options object whose values the host logs at start (each concern's <c>Add…</c> registers its
/// own).</summary>
public sealed record LoggedSettings(object Options);

/// <summary>A blob container a host writes to, registered by the host's <c>Add…</c> call.</summary>
public sealed record ContainerNeed(Func<StorageOptions, string> Name);

/// <summary>
/// Creates what the host needs before it runs, when the host starts (never inside a DI factory): the blob
/// containers its services write to and the queue, where the queue kind needs creating (storage queues). Logs the
/// effective settings first, secrets redacted. Containers its identity may not create (Azure's container-scoped
/// roles) are logged and left to the deployment, so a worker with Reader on `models` starts instead of crash-looping.
/// </summary>
public sealed class PipelineProvisioning(
    IBlobStore store,
    JobQueuePair queues,
    IEnumerable<ContainerNeed> containers,
    StorageOptions storage,
    QueueOptions queue,
    IEnumerable<LoggedSettings> settings,
    ILogger<PipelineProvisioning> logger
) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation(
            "Pipeline settings: {Settings}",
            PipelineOptionsDescription.Describe(settings.Select(s => s.Options))
        );
        var names = containers.Select(c => c.Name(storage)).Distinct().ToList();
        var left = await store.EnsureContainersAsync(names, cancellationToken);
        if (left.Count > 0)
            logger.LogWarning(
                "This identity may not create the containers {Containers} (HTTP 403): the deployment creates them "
                    + "(infra/modules/storage.bicep); a missing one fails the first write naming it",
                left
            );
        if (queues.Queue is IProvisionedQueue provisioned)
            await provisioned.EnsureCreatedAsync(cancellationToken);
        logger.LogInformation(
            "Provisioned containers {Containers} and the {Queue} queue '{QueueName}'",
            names,
            queue.Queue,
            queue.QueueName
        );
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
