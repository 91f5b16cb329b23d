using System.Diagnostics;

namespace FeatureInversion.Tests.Reliability;

/// <summary>The outcome of a child process run under GNU time: exit code, output and peak resident memory.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, long PeakRssBytes)
{
    public double PeakMiB => PeakRssBytes / 1048576.0;
}

/// <summary>
/// Runs one of this solution's programs (copied next to the tests: FeatureInversion.Trainer.dll,
/// FeatureInversion.Worker.dll) as its own process under <c>/usr/bin/time</c>, which reports the process's maximum
/// resident set size. Peak memory of a real process, not of the test host. GNU time is installed by
/// scripts/install-test-deps.sh.
/// </summary>
public static class MeasuredProcess
{
    public const string Time = "/usr/bin/time";

    public static string Program(string name) => Path.Combine(AppContext.BaseDirectory, name);

    public static ProcessStartInfo StartInfo(
        string dll,
        IEnumerable<string> args,
        IDictionary<string, string>? environment = null
    )
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Program(dll));
        foreach (var a in args)
            info.ArgumentList.Add(a);
        info.Environment["DOTNET_gcServer"] = "0";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
            info.Environment[k] = v;
        return info;
    }

    public static async Task<ProcessResult> RunAsync(
        string dll,
        IEnumerable<string> args,
        TimeSpan timeout,
        IDictionary<string, string>? environment = null
    )
    {
        Assert.True(File.Exists(Time), $"{Time} is missing (apt-get install time; scripts/install-test-deps.sh does)");
        string report = Path.GetTempFileName();
        try
        {
            var inner = StartInfo(dll, args, environment);
            var info = new ProcessStartInfo(Time)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "-f", "%M", "-o", report, "dotnet" }.Concat(inner.ArgumentList))
                info.ArgumentList.Add(a);
            foreach (var (k, v) in inner.Environment)
                info.Environment[k] = v;
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{dll} {string.Join(' ', args)} did not exit within {timeout}");
            }
            string text = (await File.ReadAllTextAsync(report)).Trim();
            long kb = long.Parse(text.Split('\n').Last().Trim(), System.Globalization.CultureInfo.InvariantCulture);
            return new ProcessResult(process.ExitCode, await stdout, await stderr, kb * 1024);
        }
        finally
        {
            File.Delete(report);
        }
    }
}
