using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>
/// Starts a real Azurite (blob and queue services, in-memory) on free loopback ports for the integration tests and
/// stops it afterwards. Azurite is found at $AZURITE, at .tools/azurite/node_modules/.bin/azurite in the repository
/// (where scripts/install-test-deps.sh puts it) or on PATH; the tests fail when it is missing.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private Process? _process;
    private string? _location;

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        string azurite = Find() ?? throw new InvalidOperationException("Azurite not found: run scripts/install-test-deps.sh or set AZURITE to its executable.");
        int blobPort = FreePort(), queuePort = FreePort();
        _location = Path.Combine(Path.GetTempPath(), "azurite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_location);
        var start = new ProcessStartInfo(azurite)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = _location, // Azurite writes its debug log and extent folders here
            ArgumentList = { "--silent", "--inMemoryPersistence", "--skipApiVersionCheck",
                "--blobHost", "127.0.0.1", "--blobPort", blobPort.ToString(), "--queueHost", "127.0.0.1", "--queuePort", queuePort.ToString(),
                "--tableHost", "127.0.0.1", "--tablePort", FreePort().ToString() },
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start Azurite");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var port in new[] { blobPort, queuePort })
        {
            while (!await Listening(port))
            {
                if (_process.HasExited) throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode}");
                if (DateTime.UtcNow > deadline) throw new TimeoutException("Azurite did not start within 60 s");
                await Task.Delay(100);
            }
        }
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;";
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.WaitForExit(10_000);
        _process?.Dispose();
        if (_location is not null && Directory.Exists(_location)) Directory.Delete(_location, true);
        return Task.CompletedTask;
    }

    private static string? Find()
    {
        var candidates = new List<string?>
        {
            Environment.GetEnvironmentVariable("AZURITE"),
            Path.Combine(TestData.Root, ".tools", "azurite", "node_modules", ".bin", "azurite"),
        };
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "azurite")));
        return candidates.FirstOrDefault(File.Exists);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException) { return false; }
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
