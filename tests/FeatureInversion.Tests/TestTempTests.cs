namespace FeatureInversion.Tests;

/// <summary>The test run's temporary folder: its own, and the folders of killed runs removed.</summary>
public class TestTempTests
{
    [Fact]
    public void TemporaryFilesGoToThisRunsFolder()
    {
        Assert.NotEqual("", TestTemp.Root);
        Assert.StartsWith(TestTemp.Root, Path.GetTempPath(), StringComparison.Ordinal);
    }

    [Fact]
    public void AFolderIsSweptOnlyWhenItsRunHasEnded()
    {
        string system = Directory.CreateTempSubdirectory("sweep-").FullName;
        // No process has an id above int.MaxValue / 2 on Linux (pid_max is at most 2^22).
        string ended = Path.Combine(system, $"fi-tests-{int.MaxValue - 1}-0123");
        string running = Path.Combine(system, $"fi-tests-{Environment.ProcessId}-4567");
        string other = Path.Combine(system, "fi-tests-not-a-run");
        foreach (string dir in new[] { ended, running, other })
            File.WriteAllText(Path.Combine(Directory.CreateDirectory(dir).FullName, "kept.txt"), "x");

        TestTemp.SweepAbandoned(system);

        Assert.False(Directory.Exists(ended));
        Assert.True(File.Exists(Path.Combine(running, "kept.txt")));
        Assert.True(File.Exists(Path.Combine(other, "kept.txt")));
    }
}
