namespace FeatureInversion.Analysis.FeatureSpace;

/// <summary>
/// Changes of a feature vector used to ask what it carries (Dosovitskiy &amp; Brox 2016, §5.3–5.5): binarization (signs
/// kept, every non-zero entry set to one magnitude chosen so that the Euclidean norm is unchanged), dropout (a
/// fraction of all entries set to zero at random, the rest scaled to keep the norm), dropping the smallest non-zero
/// entries, keeping or removing the k largest, and linear interpolation. Each returns a new array.
/// </summary>
public static class FeatureTransforms
{
    public static double Norm(ReadOnlySpan<float> x)
    {
        double s = 0;
        foreach (float v in x)
            s += (double)v * v;
        return Math.Sqrt(s);
    }

    /// <summary>Signs kept, magnitudes set to ‖x‖ / √(non-zero entries): the same norm, a binary pattern
    /// (§5.4).</summary>
    public static float[] Binarize(ReadOnlySpan<float> x)
    {
        int nonZero = 0;
        foreach (float v in x)
            if (v != 0)
                nonZero++;
        var y = new float[x.Length];
        if (nonZero == 0)
            return y;
        float c = (float)(Norm(x) / Math.Sqrt(nonZero));
        for (int i = 0; i < x.Length; i++)
            y[i] =
                x[i] > 0 ? c
                : x[i] < 0 ? -c
                : 0;
        return y;
    }

    /// <summary>Sets <paramref name="fraction"/> of all entries (chosen with <paramref name="seed"/>) to zero and
    /// rescales the rest to the original norm.</summary>
    public static float[] Dropout(ReadOnlySpan<float> x, double fraction, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fraction, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1.0);
        var order = Enumerable.Range(0, x.Length).ToArray();
        new Random(seed).Shuffle(order);
        var y = x.ToArray();
        int drop = (int)Math.Round(fraction * x.Length);
        for (int i = 0; i < drop; i++)
            y[order[i]] = 0;
        return Rescaled(y, Norm(x));
    }

    /// <summary>Sets the <paramref name="fraction"/> smallest non-zero entries (by magnitude) to zero and rescales the
    /// rest to the original norm.</summary>
    public static float[] DropSmallest(ReadOnlySpan<float> x, double fraction)
    {
        var y = x.ToArray();
        var nonZero = Enumerable
            .Range(0, y.Length)
            .Where(i => y[i] != 0)
            .OrderBy(i => Math.Abs(y[i]))
            .ThenBy(i => i)
            .ToArray();
        int drop = (int)Math.Round(fraction * nonZero.Length);
        for (int i = 0; i < drop; i++)
            y[nonZero[i]] = 0;
        return Rescaled(y, Norm(x));
    }

    /// <summary>Only the <paramref name="k"/> largest entries kept (§5.3: "the 5 largest activations").</summary>
    public static float[] TopK(ReadOnlySpan<float> x, int k)
    {
        var y = new float[x.Length];
        foreach (int i in Largest(x, k))
            y[i] = x[i];
        return y;
    }

    /// <summary>Every entry but the <paramref name="k"/> largest, which are set to zero.</summary>
    public static float[] AllButTopK(ReadOnlySpan<float> x, int k)
    {
        var y = x.ToArray();
        foreach (int i in Largest(x, k))
            y[i] = 0;
        return y;
    }

    /// <summary>(1 − t)·a + t·b.</summary>
    public static float[] Interpolate(ReadOnlySpan<float> a, ReadOnlySpan<float> b, double t)
    {
        if (a.Length != b.Length)
            throw new ArgumentException($"Feature vectors of {a.Length} and {b.Length} values cannot be interpolated.");
        var y = new float[a.Length];
        for (int i = 0; i < y.Length; i++)
            y[i] = (float)((1 - t) * a[i] + t * b[i]);
        return y;
    }

    private static int[] Largest(ReadOnlySpan<float> x, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        var values = x.ToArray();
        return Enumerable.Range(0, values.Length).OrderByDescending(i => values[i]).ThenBy(i => i).Take(k).ToArray();
    }

    private static float[] Rescaled(float[] y, double norm)
    {
        double now = Norm(y);
        if (now == 0)
            return y;
        float scale = (float)(norm / now);
        for (int i = 0; i < y.Length; i++)
            y[i] *= scale;
        return y;
    }
}

/// <summary>A named perturbation of feature vectors (index: the vector's place in the set, for seeding).</summary>
public sealed record Perturbation(string Name, string Description, Func<float[], int, float[]> Apply);

/// <summary>The perturbations of §5.4 and Figure 7, by name.</summary>
public static class Perturbations
{
    public static Perturbation None { get; } = new("none", "the features as they are", (x, _) => x);
    public static Perturbation Binarize { get; } =
        new("bin", "binarized: signs kept, one magnitude, same L2 norm", (x, _) => FeatureTransforms.Binarize(x));
    public static Perturbation Drop50 { get; } =
        new("drop50", "50 % of the entries zeroed at random, L2 norm restored", (x, i) =>
            FeatureTransforms.Dropout(x, 0.5, Seed(i))
        );
    public static Perturbation Drop50Bin { get; } =
        new("drop50+bin", "50 % zeroed at random, then binarized", (x, i) =>
            FeatureTransforms.Binarize(FeatureTransforms.Dropout(x, 0.5, Seed(i)))
        );
    public static Perturbation DropSmallest50Bin { get; } =
        new("drop50-smallest+bin", "the 50 % smallest non-zero entries zeroed, then binarized", (x, _) =>
            FeatureTransforms.Binarize(FeatureTransforms.DropSmallest(x, 0.5))
        );

    public static IReadOnlyList<Perturbation> All { get; } = [None, Binarize, Drop50, Drop50Bin, DropSmallest50Bin];

    /// <summary>§5.3 and Figure 8: all activations, only the k largest, all but the k largest.</summary>
    public static IReadOnlyList<Perturbation> TopK(int k) =>
        [
            None,
            new($"top{k}", $"only the {k} largest entries", (x, _) => FeatureTransforms.TopK(x, k)),
            new($"all-but-top{k}", $"the {k} largest entries set to zero", (x, _) =>
                FeatureTransforms.AllButTopK(x, k)
            ),
        ];

    private static int Seed(int index) => unchecked(1_000_003 * (index + 1));
}
