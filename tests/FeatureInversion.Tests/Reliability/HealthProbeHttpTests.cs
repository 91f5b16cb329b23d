using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeatureInversion.Tests.Reliability;

/// <summary>The worker's health endpoint against what reaches a port in a cluster: well-formed probes, garbage,
/// silent and slow clients, heads too large, many connections at once.</summary>
public class HealthProbeHttpTests
{
    [Theory]
    [InlineData("GET /healthz/ready HTTP/1.1\r\nHost: x\r\n\r\n", "/healthz/ready", false, 0)]
    [InlineData("HEAD /healthz/live?probe=1 HTTP/1.0\r\n\r\n", "/healthz/live", true, 0)]
    [InlineData("GET /healthz/live HTTP/1.1\nHost: x\n\n", "/healthz/live", false, 0)]
    [InlineData("POST /healthz/live HTTP/1.1\r\n\r\n", null, false, 405)]
    [InlineData("GET healthz HTTP/1.1\r\n\r\n", null, false, 400)]
    [InlineData("GET /a b HTTP/1.1\r\n\r\n", null, false, 400)]
    [InlineData("GET /healthz/live HTTP/2.0\r\n\r\n", null, false, 400)]
    [InlineData("GET /healthz/live\r\n\r\n", null, false, 400)]
    [InlineData("\u0016\u0003\u0001\u0002\u0000\u0001\r\n\r\n", null, false, 400)]
    [InlineData("GET /h\u00e9 HTTP/1.1\r\n\r\n", null, false, 400)]
    public void TheRequestLineIsReadAsFarAsMethodAndPath(string head, string? path, bool isHead, int error)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(head);
        Assert.Equal(bytes.Length, HealthProbeHttp.HeadLength(bytes));
        var request = HealthProbeHttp.Parse(bytes);
        Assert.Equal(path, request.Path);
        Assert.Equal(isHead, request.Head);
        Assert.Equal(error, request.ErrorStatus);
    }

    [Theory]
    [InlineData("")]
    [InlineData("GET /healthz/live HTTP/1.1")]
    [InlineData("GET /healthz/live HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("GET /healthz/live HTTP/1.1\r\n\r")]
    public void AnIncompleteHeadHasNoLengthYet(string head) =>
        Assert.Equal(-1, HealthProbeHttp.HeadLength(Encoding.ASCII.GetBytes(head)));

    [Fact]
    public void AHeadAnswerCarriesTheLengthOfTheBodyItOmits()
    {
        string get = Encoding.UTF8.GetString(HealthProbeHttp.Response(503, "Unhealthy: é", head: false));
        string head = Encoding.UTF8.GetString(HealthProbeHttp.Response(503, "Unhealthy: é", head: true));
        Assert.StartsWith("HTTP/1.1 503 Service Unavailable\r\n", get);
        Assert.Contains("Content-Length: 13\r\n", head); // bytes, not characters
        Assert.EndsWith("\r\n\r\nUnhealthy: é", get);
        Assert.EndsWith("\r\n\r\n", head);
    }

    [Fact]
    public async Task TheEndpointAnswersProbesAndRefusesTheRestWithoutStopping()
    {
        var health = new WorkerHealth();
        await using var endpoint = await Endpoint.StartAsync(health);

        Assert.StartsWith("HTTP/1.1 503 ", await endpoint.SendAsync("GET /healthz/ready HTTP/1.1\r\n\r\n"));
        Assert.EndsWith("Unhealthy: starting", await endpoint.SendAsync("GET /healthz/ready HTTP/1.1\r\n\r\n"));
        health.Set(WorkerHealth.State.Running, "consuming");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{endpoint.Port}") };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz/ready")).StatusCode);
        Assert.Equal("Healthy", await http.GetStringAsync("/healthz/live"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync("/healthz/live", null)).StatusCode);

        Assert.StartsWith("HTTP/1.1 400 ", await endpoint.SendAsync("\u0016\u0003\u0001 not http\r\n\r\n"));
        Assert.StartsWith("HTTP/1.1 400 ", await endpoint.SendAsync("GET /healthz/live HTTP/1.1\r\n", close: true));
        Assert.StartsWith("HTTP/1.1 408 ", await endpoint.SendAsync("GET /healthz/live HTTP/1.1\r\n"));
        string huge = "GET /healthz/live HTTP/1.1\r\nX: " + new string('a', HealthProbeHttp.MaxHeadBytes) + "\r\n\r\n";
        Assert.StartsWith("HTTP/1.1 431 ", await endpoint.SendAsync(huge));

        // more silent clients than it serves at once: the probe behind them is answered once they time out
        var silent = new List<Socket>();
        for (int i = 0; i < 12; i++)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await s.ConnectAsync(IPAddress.Loopback, endpoint.Port);
            silent.Add(s);
        }
        Assert.StartsWith("HTTP/1.1 200 ", await endpoint.SendAsync("GET /healthz/live HTTP/1.1\r\n\r\n"));
        silent.ForEach(s => s.Dispose());

        health.Set(WorkerHealth.State.Failed, "the job loop ended");
        var failed = await http.GetAsync("/healthz/live");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal("Unhealthy: the job loop ended", await failed.Content.ReadAsStringAsync());
    }

    /// <summary>The endpoint on a free loopback port, its read timeout short so that the test is quick.</summary>
    private sealed class Endpoint(WorkerHealthEndpoint service, int port) : IAsyncDisposable
    {
        public int Port => port;

        public static async Task<Endpoint> StartAsync(WorkerHealth health)
        {
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }
            var service = new WorkerHealthEndpoint(
                health,
                new DecoderWorkerOptions { HealthPort = port },
                NullLogger<WorkerHealthEndpoint>.Instance
            )
            {
                ReadTimeout = TimeSpan.FromMilliseconds(300),
            };
            await service.StartAsync(CancellationToken.None); // ExecuteAsync runs on its own: wait for the port
            for (var until = DateTime.UtcNow.AddSeconds(10); ; await Task.Delay(20))
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(IPAddress.Loopback, port);
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < until) { }
            }
            return new Endpoint(service, port);
        }

        /// <summary>Sends raw bytes (then half-closes when asked) and returns everything answered.</summary>
        public async Task<string> SendAsync(string request, bool close = false)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, port);
            await socket.SendAsync(Encoding.Latin1.GetBytes(request), SocketFlags.None);
            if (close)
                socket.Shutdown(SocketShutdown.Send);
            using var answer = new MemoryStream();
            byte[] buffer = new byte[4096];
            using var give = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            int n;
            try
            {
                while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, give.Token)) > 0)
                    answer.Write(buffer, 0, n);
            }
            catch (SocketException) { } // reset after the answer (our unread bytes): what came is the answer
            return Encoding.UTF8.GetString(answer.ToArray());
        }

        public async ValueTask DisposeAsync()
        {
            await service.StopAsync(CancellationToken.None);
            service.Dispose();
        }
    }
}
