using System.Diagnostics;

namespace FeatureInversion.Benchmarks;

/// <summary>Median wall-clock time of interleaved runs, so drift on a shared machine hits both sides alike.</summary>
internal static class Timing
{
    public static (double A, double B) MedianMilliseconds(Action a, Action b, double seconds, int minRuns = 15)
    {
        for (int i = 0; i < 3; i++)
        {
            a();
            b();
        } // warm-up: JIT tiers, caches, buffers
        var ta = new List<double>();
        var tb = new List<double>();
        var total = Stopwatch.StartNew();
        while (ta.Count < minRuns || total.Elapsed.TotalSeconds < seconds)
        {
            ta.Add(Time(a));
            tb.Add(Time(b));
            if (ta.Count >= 2000)
                break;
        }
        return (Median(ta), Median(tb));
    }

    private static double Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
    }
}
