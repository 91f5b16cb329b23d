using System.Diagnostics;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>
/// Starts a real Azurite (blob and queue services, in-memory) on loopback ports the OS picks for the integration tests
/// and stops it afterwards. Azurite is found at $AZURITE, at .tools/azurite/node_modules/.bin/azurite in the repository
/// (where scripts/install-test-deps.sh puts it) or on PATH; the tests fail when it is missing.
/// </summary>
public sealed partial class AzuriteFixture : IAsyncLifetime
{
    public const string AccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private Process? _process;
    private string? _location;

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        string azurite = Find()
            ?? throw new InvalidOperationException(
                "Azurite not found: run scripts/install-test-deps.sh or set AZURITE to its executable."
            );
        _location = Path.Combine(Path.GetTempPath(), "azurite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_location);
        // Port 0: the OS picks free ports as Azurite binds them, and Azurite prints which ("... successfully listening
        // at http://127.0.0.1:PORT"). Choosing ports first and passing them on raced with other processes.
        var start = new ProcessStartInfo(azurite)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _location, // Azurite writes its debug log and extent folders here
            ArgumentList =
            {
                "--inMemoryPersistence",
                "--skipApiVersionCheck",
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                "0",
                "--queueHost",
                "127.0.0.1",
                "--queuePort",
                "0",
                "--tableHost",
                "127.0.0.1",
                "--tablePort",
                "0",
            },
        };
        var ports = new Dictionary<string, TaskCompletionSource<int>>
        {
            ["Blob"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
            ["Queue"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
        };
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start Azurite");
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            output.Enqueue(e.Data);
            var match = Listening().Match(e.Data);
            if (match.Success && ports.TryGetValue(match.Groups[1].Value, out var port))
                port.TrySetResult(int.Parse(match.Groups[2].Value));
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                output.Enqueue(e.Data);
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var both = Task.WhenAll(ports["Blob"].Task, ports["Queue"].Task);
        var exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(both, exited, Task.Delay(TimeSpan.FromSeconds(60))) != both)
            throw new InvalidOperationException(
                (
                    _process.HasExited
                        ? $"Azurite exited with code {_process.ExitCode}"
                        : "Azurite did not start within 60 s"
                )
                    + ": "
                    + string.Join(" | ", output)
            );
        int blobPort = ports["Blob"].Task.Result,
            queuePort = ports["Queue"].Task.Result;
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};"
            + $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;"
            + $"QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;";
    }

    [System.Text.RegularExpressions.GeneratedRegex(
        @"Azurite (Blob|Queue) service is successfully listening at http://127\.0\.0\.1:(\d+)"
    )]
    private static partial System.Text.RegularExpressions.Regex Listening();

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
            _process.Kill(entireProcessTree: true);
        _process?.WaitForExit(10_000);
        _process?.Dispose();
        if (_location is not null && Directory.Exists(_location))
            Directory.Delete(_location, true);
        return Task.CompletedTask;
    }

    private static string? Find()
    {
        var candidates = new List<string?>
        {
            Environment.GetEnvironmentVariable("AZURITE"),
            Path.Combine(TestData.Root, ".tools", "azurite", "node_modules", ".bin", "azurite"),
        };
        candidates.AddRange(
            (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "azurite"))
        );
        return candidates.FirstOrDefault(File.Exists);
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
