using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeatureInversion.Reconstruction;

/// <summary>
/// The decoder worker as a hosted service (the container's main loop): consumes jobs from the configured source
/// with the reconstruction handler, turns dead letters into failure records and keeps the batch galleries current. The decoder pool (and the networks in
/// it) belongs to the DI container, which disposes it after this service has stopped.
/// </summary>
public sealed class JobWorkerService(IJobSource source, IDeadLetterSource deadLetters, DeadLetterRecorder recorder, ReconstructionWorker worker, GalleryWriter gallery,
    WorkerDevice device, ILogger<JobWorkerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Decoder worker started on {Device}", device.Device.type);
        await Task.WhenAll(source.RunAsync(worker, stoppingToken), deadLetters.RunAsync(recorder, stoppingToken), gallery.RunAsync(stoppingToken));
        logger.LogInformation("Decoder worker stopped");
    }
}
