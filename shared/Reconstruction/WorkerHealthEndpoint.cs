using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeatureInversion.Reconstruction;

/// <summary>
/// The worker container's health endpoint for its startup, liveness and readiness probes: <c>GET /healthz/live</c>
/// and <c>/healthz/ready</c> answer 200 "Healthy" or 503 with the reason (<see cref="WorkerHealth"/>), anything else
/// 404. Served by <see cref="HttpListener"/> on <see cref="DecoderWorkerOptions.HealthPort"/> (none when 0), so the
///      worker needs no web framework for two plain-text answers.
/// </summary>
public sealed class WorkerHealthEndpoint(
    WorkerHealth health,
    DecoderWorkerOptions worker,
    ILogger<WorkerHealthEndpoint> logger
) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (worker.HealthPort <= 0)
            return;
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://*:{worker.HealthPort}/");
        listener.Start();
        logger.LogInformation("Health endpoint on port {Port}: /healthz/live, /healthz/ready", worker.HealthPort);
        using var stop = stoppingToken.Register(listener.Stop);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (HttpListenerException e)
            {
                logger.LogWarning(e, "Health endpoint: accept failed");
                continue;
            }
            Answer(context);
        }
    }

    private void Answer(HttpListenerContext context)
    {
        using var response = context.Response;
        bool? healthy = context.Request.Url?.AbsolutePath switch
        {
            "/healthz/live" => health.IsLive,
            "/healthz/ready" => health.IsReady,
            _ => null,
        };
        response.StatusCode = healthy switch
        {
            true => 200,
            false => 503,
            null => 404,
        };
        response.ContentType = "text/plain; charset=utf-8";
        byte[] body = System.Text.Encoding.UTF8.GetBytes(
            healthy switch
            {
                true => "Healthy",
                false => "Unhealthy: " + health.Detail,
                null => "Not found",
            }
        );
        response.ContentLength64 = body.Length;
        try
        {
            response.OutputStream.Write(body);
        }
        catch (HttpListenerException) { } // the prober went away
    }
}
