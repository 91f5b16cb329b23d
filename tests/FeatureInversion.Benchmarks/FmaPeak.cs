using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FeatureInversion.Benchmarks;

/// <summary>
/// The machine's measured float32 peak: independent fused multiply-add chains on the widest vectors the CPU has
/// (AVX-512 when present, else AVX2 FMA), enough chains to cover the FMA units' latency, on each of
/// <c>threads</c> threads at once. What the decoders' GFLOP/s are set against.
/// </summary>
internal static class FmaPeak
{
    public static (double Gflops, string Isa) Measure(int threads, double seconds = 0.5)
    {
        string isa =
            Avx512F.IsSupported ? "AVX-512 FMA"
            : Fma.IsSupported ? "AVX2 FMA"
            : "none";
        if (isa == "none")
            return (double.NaN, isa);
        Kernel(1000); // JIT and clocks
        long flops = 0;
        var clock = Stopwatch.StartNew();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
        {
            long done = 0;
            var own = Stopwatch.StartNew();
            while (own.Elapsed.TotalSeconds < seconds)
                done += Kernel(200_000);
            Interlocked.Add(ref flops, done);
        });
        return (flops / clock.Elapsed.TotalSeconds / 1e9, isa);
    }

    /// <summary>Runs <paramref name="iterations"/> rounds of 12 independent FMAs; returns the floating-point
    /// operations done (2 per lane per FMA). Written out once per width on purpose: a generic version over a
    /// static-abstract FMA (one loop for both) measured 21 GFLOP/s instead of 111 on one thread here.</summary>
    private static long Kernel(int iterations)
    {
        if (Avx512F.IsSupported)
        {
            var (m, c) = (Vector512.Create(0.999999f), Vector512.Create(1e-7f));
            Vector512<float> a0 = Vector512.Create(1f),
                a1 = a0,
                a2 = a0,
                a3 = a0,
                a4 = a0,
                a5 = a0;
            Vector512<float> a6 = a0,
                a7 = a0,
                a8 = a0,
                a9 = a0,
                a10 = a0,
                a11 = a0;
            for (int i = 0; i < iterations; i++)
            {
                a0 = Avx512F.FusedMultiplyAdd(a0, m, c);
                a1 = Avx512F.FusedMultiplyAdd(a1, m, c);
                a2 = Avx512F.FusedMultiplyAdd(a2, m, c);
                a3 = Avx512F.FusedMultiplyAdd(a3, m, c);
                a4 = Avx512F.FusedMultiplyAdd(a4, m, c);
                a5 = Avx512F.FusedMultiplyAdd(a5, m, c);
                a6 = Avx512F.FusedMultiplyAdd(a6, m, c);
                a7 = Avx512F.FusedMultiplyAdd(a7, m, c);
                a8 = Avx512F.FusedMultiplyAdd(a8, m, c);
                a9 = Avx512F.FusedMultiplyAdd(a9, m, c);
                a10 = Avx512F.FusedMultiplyAdd(a10, m, c);
                a11 = Avx512F.FusedMultiplyAdd(a11, m, c);
            }
            Sink(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
            return 12L * 2 * Vector512<float>.Count * iterations;
        }
        else
        {
            var (m, c) = (Vector256.Create(0.999999f), Vector256.Create(1e-7f));
            Vector256<float> a0 = Vector256.Create(1f),
                a1 = a0,
                a2 = a0,
                a3 = a0,
                a4 = a0,
                a5 = a0;
            Vector256<float> a6 = a0,
                a7 = a0,
                a8 = a0,
                a9 = a0,
                a10 = a0,
                a11 = a0;
            for (int i = 0; i < iterations; i++)
            {
                a0 = Fma.MultiplyAdd(a0, m, c);
                a1 = Fma.MultiplyAdd(a1, m, c);
                a2 = Fma.MultiplyAdd(a2, m, c);
                a3 = Fma.MultiplyAdd(a3, m, c);
                a4 = Fma.MultiplyAdd(a4, m, c);
                a5 = Fma.MultiplyAdd(a5, m, c);
                a6 = Fma.MultiplyAdd(a6, m, c);
                a7 = Fma.MultiplyAdd(a7, m, c);
                a8 = Fma.MultiplyAdd(a8, m, c);
                a9 = Fma.MultiplyAdd(a9, m, c);
                a10 = Fma.MultiplyAdd(a10, m, c);
                a11 = Fma.MultiplyAdd(a11, m, c);
            }
            Sink(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
            return 12L * 2 * Vector256<float>.Count * iterations;
        }
    }

    private static float _sink;

    // Keeps the chains' results alive so the loop is not removed.
    private static void Sink<T>(T value)
        where T : struct => _sink += value.GetHashCode();
}
