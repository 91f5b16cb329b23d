using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace FeatureInversion.Tests.Reliability;

/// <summary>The worker container's health endpoint, on a real worker process (what the Container Apps probes
/// call), with connections arriving while it starts (HttpListener's Start had thrown then and stopped the worker)
/// and a graceful stop at the end.</summary>
[Trait(Tiers.Name, Tiers.Fault)]
public class WorkerHealthTests(Xunit.Abstractions.ITestOutputHelper output) : FaultTest("fi-health-", output)
{
    [Fact]
    public async Task TheWorkerAnswersItsProbesOnTheHealthPortAndServesNothingElse()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var environment = new Dictionary<string, string>
        {
            ["Pipeline__Storage"] = "local",
            ["Pipeline__LocalRoot"] = Path.Combine(Dir, "data"),
            ["Pipeline__Queue"] = "inprocess",
            ["Pipeline__Device"] = "cpu",
            ["Pipeline__ModelCacheDirectory"] = Path.Combine(Dir, "cache"),
            ["Pipeline__HealthPort"] = port.ToString(CultureInfo.InvariantCulture),
        };
        using var worker = Process.Start(MeasuredProcess.StartInfo("FeatureInversion.Worker.dll", [], environment))!;
        worker.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                Output.WriteLine(e.Data);
        };
        worker.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                Output.WriteLine("! " + e.Data);
        };
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        // a prober that connects and hangs up in a loop from before the port opens until the endpoint answers
        using var storm = new CancellationTokenSource();
        var connections = Task.Run(async () =>
        {
            int made = 0;
            while (!storm.IsCancellationRequested)
            {
                using var socket = new System.Net.Sockets.Socket(
                    System.Net.Sockets.AddressFamily.InterNetwork,
                    System.Net.Sockets.SocketType.Stream,
                    System.Net.Sockets.ProtocolType.Tcp
                );
                try
                {
                    await socket.ConnectAsync(IPAddress.Loopback, port, storm.Token);
                    made++;
                }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException)
                {
                    await Task.Delay(1);
                }
            }
            return made;
        });
        using var http = new HttpClient
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(5),
        };
        try
        {
            HttpStatusCode? ready = null;
            for (
                var until = DateTime.UtcNow.AddMinutes(1);
                ready != HttpStatusCode.OK && DateTime.UtcNow < until && !worker.HasExited;
                await Task.Delay(200)
            )
            {
                try
                {
                    ready = (await http.GetAsync("/healthz/ready")).StatusCode;
                }
                catch (HttpRequestException) { } // not listening yet
            }
            storm.Cancel();
            Output.WriteLine($"connections made while it started: {await connections}");
            Assert.Equal(HttpStatusCode.OK, ready);
            var live = await http.GetAsync("/healthz/live");
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/")).StatusCode); // nothing else is served

            // SIGTERM (what the platform sends) stops it cleanly: exit code 0
            using (var term = Process.Start("kill", ["-TERM", worker.Id.ToString(CultureInfo.InvariantCulture)]))
                await term.WaitForExitAsync();
            using var wait = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await worker.WaitForExitAsync(wait.Token);
            Assert.Equal(0, worker.ExitCode);
        }
        finally
        {
            storm.Cancel();
            if (!worker.HasExited)
                worker.Kill();
            await worker.WaitForExitAsync();
        }
    }
}
