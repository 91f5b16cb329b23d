using FeatureInversion.Pipeline.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeatureInversion.Pipeline;

/// <summary>
/// The decoder worker as a hosted service (the container's main loop): consumes jobs from the configured source
/// with the reconstruction handler and keeps the batch galleries current. Uses the GPU when libtorch sees one.
/// </summary>
public sealed class JobWorkerService(IJobSource source, ReconstructionWorker worker, GalleryWriter gallery, DecoderPool decoders, ILogger<JobWorkerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Decoder worker started on {Device}", TorchSharp.torch.cuda.is_available() ? "CUDA" : "CPU");
        await Task.WhenAll(source.RunAsync(worker, stoppingToken), gallery.RunAsync(stoppingToken));
        await decoders.DisposeAsync();
        logger.LogInformation("Decoder worker stopped");
    }
}
