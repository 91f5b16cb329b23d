using System.Diagnostics;
using System.Net;

namespace FeatureInversion.Tests.Reliability;

/// <summary>The worker container's health endpoint, on a real worker process (what the Container Apps probes
/// call).</summary>
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
            ["Pipeline__HealthPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
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
            Assert.Equal(HttpStatusCode.OK, ready);
            var live = await http.GetAsync("/healthz/live");
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/")).StatusCode); // nothing else is served
        }
        finally
        {
            worker.Kill();
            await worker.WaitForExitAsync();
        }
    }
}
