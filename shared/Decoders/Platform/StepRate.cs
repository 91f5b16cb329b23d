using System.Diagnostics;

namespace FeatureInversion.Decoders.Platform;

/// <summary>
/// Images per second of a repeated step (a forward pass, a training step): two warm-up steps (allocator, kernel
/// choice), then steps until at least <c>seconds</c> have passed and three have run. Work on a GPU is queued, so
/// <c>synchronize</c> (when given) drains the queue before the clock starts, every 16 steps, and before it is read:
/// the rate is of work done, not work queued. The benchmarks and the <c>throughput</c> verb share it.
/// </summary>
public static class StepRate
{
    public static double Measure(double seconds, int batch, Action step, Action? synchronize = null)
    {
        step();
        step();
        synchronize?.Invoke();
        int steps = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds || steps < 3)
        {
            step();
            if (++steps % 16 == 0)
                synchronize?.Invoke();
        }
        synchronize?.Invoke();
        return (double)steps * batch / clock.Elapsed.TotalSeconds;
    }
}
