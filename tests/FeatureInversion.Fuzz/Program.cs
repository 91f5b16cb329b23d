using FeatureInversion.Fuzz;
using SharpFuzz;

// afl++ runs this once and feeds it inputs through SharpFuzz's fork-server protocol; any exception that escapes a
// target is a finding. `FeatureInversion.Fuzz <target> <file>` replays one input (for triage and the seed check).
if (args.Length is < 1 or > 2 || !Targets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: FeatureInversion.Fuzz {string.Join('|', Targets.All.Keys)} [input]");
    return 2;
}
if (args.Length == 2)
{
    using var file = File.OpenRead(args[1]);
    target(file);
    return 0;
}
Fuzzer.OutOfProcess.Run(stream => target(stream));
return 0;
