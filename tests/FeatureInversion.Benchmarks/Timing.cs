using System.Diagnostics;

namespace FeatureInversion.Benchmarks;

/// <summary>Median wall-clock time of interleaved runs, so drift on a shared machine hits both sides alike.</summary>
internal static class Timing
{
    public static (double A, double B) MedianMilliseconds(Action a, Action b, double seconds, int minRuns = 15)
    {
        var times = Measure(a, b, seconds, minRuns);
        return (times.MedianA, times.MedianB);
    }

    /// <summary>Minimum and median of each side's interleaved runs, in milliseconds.</summary>
    public readonly record struct Paired(double MinA, double MedianA, double MinB, double MedianB);

    public static Paired Measure(Action a, Action b, double seconds, int minRuns = 15)
    {
        // Warm-up past tier-up: .NET compiles a method optimised (tier 1, with PGO) after about 30 calls and a short
        // delay, on a background thread; with 3 warm-up calls the first image was timed in tier-0 code (issue 28
        // measured LBP at 0.33-0.45x VLFeat there). At least 3 calls each, 40 unless that takes over 1.5 s, then a
        // pause for the compiler to finish.
        var warmUp = Stopwatch.StartNew();
        for (int i = 0; i < 3 || i < 40 && warmUp.Elapsed.TotalSeconds < 1.5; i++)
        {
            a();
            b();
        }
        Thread.Sleep(250);
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
        return new Paired(ta.Min(), Median(ta), tb.Min(), Median(tb));
    }

    private static double Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>The median (the mean of the middle two for an even count); sorts <paramref name="values"/>.</summary>
    public static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
    }
}
