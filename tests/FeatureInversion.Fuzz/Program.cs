using FeatureInversion.Fuzz;
using SharpFuzz;

// afl++ runs this once and feeds it inputs through SharpFuzz's fork-server protocol; any exception that escapes a
// target is a finding. `FeatureInversion.Fuzz <target> <file>` replays one input (for triage and the seed check).
if (args.Length is < 1 or > 2 || !Targets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: FeatureInversion.Fuzz {string.Join('|', Targets.All.Keys)} [input]");
    return 2;
}
if (args.Length == 2 && Directory.Exists(args[1]))
{
    // Triage: every input of a folder (an afl queue) in this process, with the memory each one peaks at (Linux:
    // the high-water mark is reset through /proc/self/clear_refs before each input). The 10 highest are printed.
    var peaks = new List<(string File, long Kb)>();
    foreach (var path in Directory.EnumerateFiles(args[1]))
    {
        GC.Collect();
        File.WriteAllText("/proc/self/clear_refs", "5");
        using (var input = File.OpenRead(path))
            target(input);
        long kb = long.Parse(
            File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("VmHWM:"))[6..].Trim().Split(' ')[0]
        );
        peaks.Add((Path.GetFileName(path), kb));
    }
    foreach (var (file, kb) in peaks.OrderByDescending(p => p.Kb).Take(10))
        Console.WriteLine($"{kb / 1024, 6} MiB  {file}");
    return 0;
}
if (args.Length == 2)
{
    using var file = File.OpenRead(args[1]);
    target(file);
    return 0;
}
Fuzzer.OutOfProcess.Run(stream => target(stream));
return 0;
