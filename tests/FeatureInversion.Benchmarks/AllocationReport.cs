using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace FeatureInversion.Benchmarks;

/// <summary>
/// Where a process's large-object allocations come from: sums the runtime's allocation samples (GC AllocationTick,
/// one per ~100 KB allocated, each with the size it stands for) of an EventPipe trace by type, by the first three
/// frames of our code (and ImageSharp's) above the allocation, and per 10 s of the run. The trace:
/// <c>dotnet-trace collect --providers Microsoft-Windows-DotNETRuntime:0x1:5 -o T.nettrace -- dotnet CLI ...</c>.
/// </summary>
internal static class AllocationReport
{
    public static int Run(string[] args)
    {
        if (args.Length != 1 || !File.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: FeatureInversion.Benchmarks alloc TRACE.nettrace");
            return 2;
        }
        string etlx = TraceLog.CreateFromEventPipeDataFile(args[0]);
        try
        {
            using var log = new TraceLog(etlx);
            var byType = new Dictionary<string, (double Bytes, int Samples)>();
            var bySite = new Dictionary<string, double>();
            var byWindow = new SortedDictionary<int, Dictionary<string, double>>();
            foreach (var e in log.Events)
            {
                if (e is not GCAllocationTickTraceData a || a.AllocationKind != GCAllocationKind.Large)
                    continue;
                double bytes = a.AllocationAmount64;
                var (total, samples) = byType.GetValueOrDefault(a.TypeName);
                byType[a.TypeName] = (total + bytes, samples + 1);
                var frames = OurFrames(e.CallStack()).Take(3).ToList();
                string site = frames.Count > 0 ? frames[0] : "(no frame of ours)";
                Add(bySite, $"{a.TypeName} <- {string.Join(" <- ", frames)}", bytes);
                int window = (int)(e.TimeStampRelativeMSec / 10_000);
                if (!byWindow.TryGetValue(window, out var sites))
                    byWindow[window] = sites = [];
                Add(sites, site, bytes);
            }
            Console.WriteLine($"# large-object allocations of {Path.GetFileName(args[0])}, by type");
            foreach (var (type, (total, samples)) in byType.OrderByDescending(t => t.Value.Bytes))
                Console.WriteLine($"{total / Mib, 9:F0} MiB {samples, 7} samples  {type}");
            Console.WriteLine("# by allocating site (our first three frames)");
            foreach (var (site, total) in bySite.OrderByDescending(s => s.Value).Take(25))
                Console.WriteLine($"{total / Mib, 9:F0} MiB  {site}");
            Console.WriteLine("# per 10 s of the run: the total and its three largest sites");
            foreach (var (window, sites) in byWindow)
                Console.WriteLine(
                    $"{window * 10, 5} s {sites.Values.Sum() / Mib, 7:F0} MiB  "
                        + string.Join("; ", sites.OrderByDescending(s => s.Value).Take(3).Select(s => Short(s)))
                );
            return 0;
        }
        finally
        {
            File.Delete(etlx);
        }
    }

    private const double Mib = 1 << 20;

    private static string Short(KeyValuePair<string, double> site) =>
        $"{site.Value / Mib:F0} {site.Key[..Math.Min(site.Key.Length, 70)]}";

    private static void Add(Dictionary<string, double> sums, string key, double bytes) =>
        sums[key] = sums.GetValueOrDefault(key) + bytes;

    private static IEnumerable<string> OurFrames(TraceCallStack? stack)
    {
        for (var frame = stack; frame is not null; frame = frame.Caller)
        {
            string method = frame.CodeAddress.FullMethodName ?? "";
            if (
                method.StartsWith("FeatureInversion", StringComparison.Ordinal)
                || method.StartsWith("SixLabors", StringComparison.Ordinal)
            )
                yield return method.Length > 90 ? method[..90] : method;
        }
    }
}
