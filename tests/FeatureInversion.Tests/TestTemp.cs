using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FeatureInversion.Tests;

/// <summary>Every temporary file of a test run lands in one folder of its own, emptied when the run ends. The tests
/// create blob stores, feature caches and CLI outputs under the temporary folder (about 280 MB a run) and most leave
/// them there; twenty runs filled a host's disk. TMPDIR is what .NET's Path.GetTempPath reads on every call, and
/// the processes the tests start (the CLI, Azurite, COLMAP) inherit it. <see cref="TestRunFramework"/> empties the
/// folder once the tests have run; what is left then goes at process exit, or with the next run's sweep.</summary>
internal static class TestTemp
{
    private const string Prefix = "fi-tests-";

    private static readonly Lock Gate = new();

    internal static string Root { get; private set; } = "";

    [ModuleInitializer]
    internal static void Isolate()
    {
        string system = Path.GetTempPath();
        SweepAbandoned(system);
        Root = Path.Combine(system, $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Root);
        Environment.SetEnvironmentVariable("TMPDIR", Root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            lock (Gate) // not beside an emptying still under way: each would trip on what the other removed
                TryDelete(Root);
        };
    }

    /// <summary>Deletes what the run left in its folder, entry by entry so that one that cannot go (a file a child
    /// process still holds) keeps no other; the folder itself stays for whatever runs after.</summary>
    internal static void Empty()
    {
        lock (Gate)
            EmptyUnlocked();
    }

    private static void EmptyUnlocked()
    {
        if (!Directory.Exists(Root))
            return;
        foreach (string entry in Directory.EnumerateFileSystemEntries(Root))
        {
            try
            {
                if (Directory.Exists(entry) && new DirectoryInfo(entry).LinkTarget is null)
                    Directory.Delete(entry, recursive: true);
                else
                    File.Delete(entry);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>A run that was killed could not remove its folder; the next run removes those whose process is gone
    /// (the process id is in the name, so a run going on beside this one keeps its own).</summary>
    internal static void SweepAbandoned(string system)
    {
        foreach (string dir in Directory.EnumerateDirectories(system, Prefix + "*"))
        {
            string[] parts = Path.GetFileName(dir)[Prefix.Length..].Split('-');
            if (parts.Length == 2 && int.TryParse(parts[0], out int pid) && !IsRunning(pid))
                TryDelete(dir);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
