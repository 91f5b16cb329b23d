using FeatureInversion.Pipeline.Gallery;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeatureInversion.Reconstruction;

/// <summary>
/// The gallery read model's projection as a hosted service of its own: rebuilds the reports (and local pages) of the
/// batches the result writers named (<see cref="Pipeline.IResultEvents"/>) every <see cref="GalleryWriter.Interval"/>,
/// apart from the decode loop, so decoding never waits on a report and a failing report write never fails a job.
/// The worker container hosts it beside the job loop; a projection that ends before shutdown stops the host, as
/// the job loop's does, so the replica is restarted.
/// </summary>
public sealed class GalleryProjectionService(
    GalleryWriter gallery,
    ILogger<GalleryProjectionService> logger,
    WorkerHealth? health = null
) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await gallery.RunAsync(stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogCritical(e, "The gallery projection ended before shutdown; stopping the worker");
            health?.Set(WorkerHealth.State.Failed, $"the gallery projection ended: {e.GetBaseException().Message}");
            throw;
        }
    }
}
