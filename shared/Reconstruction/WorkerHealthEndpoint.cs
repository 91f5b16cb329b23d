using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeatureInversion.Reconstruction;

/// <summary>
/// The worker container's health endpoint for its startup, liveness and readiness probes: <c>GET /healthz/live</c>
/// and <c>/healthz/ready</c> answer 200 "Healthy" or 503 with the reason (<see cref="WorkerHealth"/>), anything else
/// 404, on <see cref="DecoderWorkerOptions.HealthPort"/> (none when 0). A socket and <see cref="HealthProbeHttp"/>
/// rather than <see cref="HttpListener"/>: on Linux its Start throws when a client connects while it starts
/// (dotnet/corefx#35191; our CI met it, the probes of a starting container would too), and that stopped the host.
/// </summary>
public sealed class WorkerHealthEndpoint(
    WorkerHealth health,
    DecoderWorkerOptions worker,
    ILogger<WorkerHealthEndpoint> logger
) : BackgroundService
{
    /// <summary>A prober that sends no complete head within this is answered 408 and dropped.</summary>
    internal TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Connections served at once; more wait in the listen backlog (probes come one at a time).</summary>
    private const int MaxConcurrent = 8;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (worker.HealthPort <= 0)
            return;
        using var listener = new TcpListener(IPAddress.Any, worker.HealthPort);
        listener.Start();
        logger.LogInformation("Health endpoint on port {Port}: /healthz/live, /healthz/ready", worker.HealthPort);
        using var slots = new SemaphoreSlim(MaxConcurrent);
        var serving = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken);
                Socket client;
                try
                {
                    client = await listener.AcceptSocketAsync(stoppingToken);
                }
                catch (SocketException e)
                {
                    slots.Release();
                    logger.LogWarning(e, "Health endpoint: accept failed");
                    continue;
                }
                serving.RemoveAll(t => t.IsCompleted);
                serving.Add(ServeAsync(client, slots, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        await Task.WhenAll(serving);
    }

    private async Task ServeAsync(Socket client, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        try
        {
            using var _ = client;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(ReadTimeout);
            byte[] answer = await AnswerAsync(client, timeout.Token);
            await client.SendAsync(answer, SocketFlags.None, stoppingToken);
            client.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the prober went away, or the worker is stopping: nothing to answer
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task<byte[]> AnswerAsync(Socket client, CancellationToken timeout)
    {
        byte[] buffer = new byte[HealthProbeHttp.MaxHeadBytes];
        int received = 0,
            headLength = -1;
        try
        {
            while (headLength < 0)
            {
                if (received == buffer.Length)
                    return HealthProbeHttp.Response(431, "Request head too large", head: false);
                int n = await client.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, timeout);
                if (n == 0)
                    return HealthProbeHttp.Response(400, "Incomplete request", head: false);
                received += n;
                headLength = HealthProbeHttp.HeadLength(buffer.AsSpan(0, received));
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return HealthProbeHttp.Response(408, "No request within " + ReadTimeout.TotalSeconds + " s", head: false);
        }
        var request = HealthProbeHttp.Parse(buffer.AsSpan(0, headLength));
        if (request.Path is null)
            return HealthProbeHttp.Response(request.ErrorStatus, "Only GET and HEAD of /healthz/*", head: false);
        bool? healthy = request.Path switch
        {
            "/healthz/live" => health.IsLive,
            "/healthz/ready" => health.IsReady,
            _ => null,
        };
        return healthy switch
        {
            true => HealthProbeHttp.Response(200, "Healthy", request.Head),
            false => HealthProbeHttp.Response(503, "Unhealthy: " + health.Detail, request.Head),
            null => HealthProbeHttp.Response(404, "Not found", request.Head),
        };
    }
}
