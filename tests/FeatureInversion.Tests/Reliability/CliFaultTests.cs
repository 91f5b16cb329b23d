using Xunit.Abstractions;

namespace FeatureInversion.Tests.Reliability;

/// <summary>
/// The hostile corpus through the command line, each input in its own process with its peak memory measured:
/// every refusal is exit 1 with a message naming the file, every accepted input exit 0, no input over 600 MB.
/// </summary>
[Trait(Tiers.Name, Tiers.Fault)]
public class CliFaultTests(ITestOutputHelper output) : FaultTest("fi-hostile-cli-", output)
{
    public const double CliPeakLimitMiB = 600;

    [Fact]
    public async Task EveryHostileImageIsRefusedWithItsReasonOrAcceptedWithinTheMemoryLimit()
    {
        var inputs = HostileCorpus.Images();
        var results = await RunAllAsync(inputs, input => ["features", "lbp", input, "-o", input + ".npy"]);
        AssertOutcomes(inputs, results);
    }

    [Fact]
    public async Task EveryMalformedFeatureArrayIsRefusedWithExitOneAndTheFileName()
    {
        var inputs = HostileCorpus.NpyFiles();
        string model = PipelineTestbedModels.Hog;
        var results = await RunAllAsync(inputs, input =>
            ["reconstruct", model, input, "-o", input + ".png", "--device", "cpu"]
        );
        AssertOutcomes(inputs, results);
    }

    [Fact]
    public async Task FullResolutionFeaturesAreRefusedBeyondTheRepresentationsMemoryBudget()
    {
        string photo = Path.Combine(Dir, "photo-3200x2000.jpg");
        await File.WriteAllBytesAsync(photo, HostileCorpus.Jpeg(HostileCorpus.Gradient(3200, 2000)));
        foreach (var (rep, accepted) in new[] { ("sift-grid", false), ("sift", false), ("hog", true) })
        {
            var result = await MeasuredProcess.RunAsync(
                "FeatureInversion.Trainer.dll",
                ["features", rep, photo, "-o", photo + ".npy"],
                TimeSpan.FromMinutes(3)
            );
            Output.WriteLine($"{rep}: exit {result.ExitCode}, peak {result.PeakMiB:F0} MiB {result.Stderr.Trim()}");
            Assert.True(result.PeakMiB <= CliPeakLimitMiB, $"{rep}: peak {result.PeakMiB:F0} MiB");
            Assert.Equal(accepted ? 0 : 1, result.ExitCode);
            if (!accepted)
                Assert.Contains($"photo-3200x2000.jpg: 3200x2000 (6.4 megapixels) exceeds the", result.Stderr);
            if (!accepted)
                Assert.Contains($"for {rep} at full resolution", result.Stderr);
        }
    }

    private async Task<ProcessResult[]> RunAllAsync(IReadOnlyList<HostileInput> inputs, Func<string, string[]> args)
    {
        var results = new ProcessResult[inputs.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, inputs.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 2 },
            async (i, ct) =>
            {
                string path = Path.Combine(Dir, inputs[i].Name);
                await File.WriteAllBytesAsync(path, inputs[i].Bytes, ct);
                results[i] = await MeasuredProcess.RunAsync(
                    "FeatureInversion.Trainer.dll",
                    args(path),
                    TimeSpan.FromMinutes(3)
                );
                File.Delete(path);
            }
        );
        for (int i = 0; i < inputs.Count; i++)
            Output.WriteLine(
                $"{inputs[i].Name, -28} exit {results[i].ExitCode}  peak {results[i].PeakMiB, 6:F0} MiB  "
                    + $"{results[i].Stderr.Trim()}"
            );
        return results;
    }

    private static void AssertOutcomes(IReadOnlyList<HostileInput> inputs, ProcessResult[] results)
    {
        Assert.All(inputs.Zip(results), pair =>
        {
            var (input, result) = pair;
            Assert.True(result.PeakMiB <= CliPeakLimitMiB, $"{input.Name}: peak {result.PeakMiB:F0} MiB");
            if (input.Accepted)
            {
                Assert.True(result.ExitCode == 0, $"{input.Name}: exit {result.ExitCode} {result.Stderr}");
                return;
            }
            Assert.True(result.ExitCode == 1, $"{input.Name}: exit {result.ExitCode} {result.Stderr}");
            Assert.Contains(input.Name, result.Stderr);
            Assert.Contains(input.Refusal!, result.Stderr, StringComparison.OrdinalIgnoreCase);
        });
    }
}

/// <summary>Shipped decoders the fault tests reconstruct with.</summary>
public static class PipelineTestbedModels
{
    public static string Hog => Path.Combine(TestData.Root, "models", "hog-64px-w0.25");
}
