using System.Diagnostics;
using System.Globalization;

namespace FeatureInversion.Benchmarks;

/// <summary>
/// What the kernel workarounds cost (docs/platform.md): the 64-px decoders' inference and training throughput with
/// oneDNN as libtorch picks it, oneDNN limited to SSE4.1 (what AMD Zen 5 gets) and ATen's native kernels (what a
/// failed self-check gets). oneDNN reads its ISA limit once per process, so each mode runs the <c>decoders --small</c>
/// benchmark in a process of its own; modes are interleaved over rounds and each cell is the median of its rounds.
/// </summary>
internal static class KernelBenchmark
{
    private static readonly string[] Modes = ["onednn", "sse41", "native"];

    public static int Run(string[] args)
    {
        int at = Array.IndexOf(args, "--seconds");
        string seconds = at >= 0 && at + 1 < args.Length ? args[at + 1] : "3";
        at = Array.IndexOf(args, "--rounds");
        int rounds = at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : 3;
        var results = new Dictionary<(string Mode, string Decoder), List<(double Inference, double Training)>>();
        for (int r = 0; r < rounds; r++)
            foreach (var mode in Modes)
            {
                var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
                foreach (
                    var a in new[]
                    {
                        typeof(KernelBenchmark).Assembly.Location,
                        "decoders",
                        "--small",
                        "--seconds",
                        seconds,
                    }
                )
                    info.ArgumentList.Add(a);
                info.Environment["FEATURE_INVERSION_TORCH_KERNELS"] = mode;
                using var process = Process.Start(info)!;
                string output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                    throw new InvalidOperationException($"{mode}: exit {process.ExitCode}\n{output}");
                if (r == 0)
                    Console.WriteLine(output.Split('\n').First(l => l.StartsWith("# kernels:")));
                // columns found by their headers: the decoders table gains columns (GFLOP/s, issue 28)
                var lines = output.Split('\n');
                var header = lines.First(l => l.StartsWith("| decoder")).Split('|', StringSplitOptions.TrimEntries);
                int inference = Array.IndexOf(header, "inference (img/s)"),
                    training = Array.IndexOf(header, "training (img/s)");
                if (inference < 0 || training < 0)
                    throw new InvalidOperationException($"{mode}: no img/s columns in\n{output}");
                foreach (var row in lines.Where(l => l.StartsWith("| ") && !l.StartsWith("| decoder")))
                {
                    var c = row.Split('|', StringSplitOptions.TrimEntries);
                    var key = (mode, c[1]);
                    if (!results.TryGetValue(key, out var list))
                        results[key] = list = [];
                    list.Add(
                        (
                            double.Parse(c[inference], CultureInfo.InvariantCulture),
                            double.Parse(c[training], CultureInfo.InvariantCulture)
                        )
                    );
                }
            }
        Console.WriteLine(
            $"# {Environment.ProcessorCount} cores; 64 px, width 0.25, batch 64; median of {rounds} interleaved "
                + $"rounds of >= {seconds} s each; img/s (ratio to onednn)"
        );
        Console.WriteLine(
            "| decoder | onednn infer | sse41 infer | native infer | onednn train | sse41 train | native train |"
        );
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var decoder in results.Keys.Select(k => k.Decoder).Distinct())
        {
            double Median(string mode, bool train)
            {
                var v = results[(mode, decoder)].Select(x => train ? x.Training : x.Inference).Order().ToList();
                return v[v.Count / 2];
            }
            string Cell(string mode, bool train) =>
                mode == "onednn"
                    ? Median(mode, train).ToString("F0", CultureInfo.InvariantCulture)
                    : string.Create(
                        CultureInfo.InvariantCulture,
                        $"{Median(mode, train):F0} ({Median(mode, train) / Median("onednn", train):F2}x)"
                    );
            Console.WriteLine(
                $"| {decoder} | {Cell("onednn", false)} | {Cell("sse41", false)} | {Cell("native", false)} | "
                    + $"{Cell("onednn", true)} | {Cell("sse41", true)} | {Cell("native", true)} |"
            );
        }
        return 0;
    }
}
