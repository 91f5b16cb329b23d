namespace FeatureInversion.Training.Data;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014): a tiny value-type generator, so that every batch gets its own stream
/// from (seed, batch index) without allocating — batches are then the same whatever thread draws them.
/// </summary>
public struct SplitMix(ulong state)
{
    private ulong _state = state;

    public static SplitMix For(int seed, long stream) =>
        new(
            unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)stream * 0xD1B54A32D192ED03UL ^ 0x632BE59BD9B4E019UL)
        );

    public ulong NextULong()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int Next(int n) => (int)(NextDouble() * n);
}
