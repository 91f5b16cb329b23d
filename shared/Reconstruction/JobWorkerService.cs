using FeatureInversion.Pipeline.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeatureInversion.Reconstruction;

/// <summary>
/// The decoder worker as a hosted service (the container's main loop): consumes jobs from the configured source
/// with the reconstruction handler and turns dead letters into failure records (the galleries are the
/// <see cref="GalleryProjectionService"/>'s). The decoder pool (and the networks in it) belongs to the DI container,
/// which disposes it after this service has stopped.
/// </summary>
public sealed class JobWorkerService(
    IJobSource source,
    IDeadLetterSource deadLetters,
    DeadLetterRecorder recorder,
    ReconstructionWorker worker,
    WorkerDevice device,
    ILogger<JobWorkerService> logger,
    WorkerHealth? health = null
) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // What libtorch found, so a GPU replica's log says whether it decodes on the GPU (Pipeline__Device=cuda in
        // Azure refuses to start without one; 'auto' would fall back to the CPU).
        logger.LogInformation(
            "Decoder worker started on {Device}; libtorch sees CUDA: {Cuda} ({Gpus} device(s)), cuDNN: {Cudnn}",
            device.Device.type,
            TorchSharp.torch.cuda.is_available(),
            TorchSharp.torch.cuda.device_count(),
            TorchSharp.torch.cuda.is_cudnn_available()
        );
        Task[] loops = [source.RunAsync(worker, stoppingToken), deadLetters.RunAsync(recorder, stoppingToken)];
        health?.Set(WorkerHealth.State.Running, $"consuming on {device.Device.type}");
        var first = await Task.WhenAny(loops);
        if (!stoppingToken.IsCancellationRequested)
        {
            // Each loop runs until shutdown; one that ends early would leave a process that looks alive and consumes
            // nothing. Stop the host instead, so that the container is restarted.
            string which = first == loops[0] ? "job" : "dead-letter";
            logger.LogCritical(
                first.Exception?.GetBaseException(),
                "The {Loop} loop ended before shutdown; stopping the worker",
                which
            );
            health?.Set(
                WorkerHealth.State.Failed,
                $"the {which} loop ended: {first.Exception?.GetBaseException().Message}"
            );
            // The host stops on this exception; its entry point exits non-zero on a Failed health (restarting the
            // replica).
            throw new InvalidOperationException(
                $"The {which} loop ended before shutdown",
                first.Exception?.GetBaseException()
            );
        }
        health?.Set(WorkerHealth.State.Stopping, "stopping");
        await Task.WhenAll(loops);
        logger.LogInformation("Decoder worker stopped");
    }
}
