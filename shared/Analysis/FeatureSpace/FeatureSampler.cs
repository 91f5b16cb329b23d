namespace FeatureInversion.Analysis.FeatureSpace;

/// <summary>
/// Random feature vectors (§5.5, Figures 11 and 21), each dimension drawn independently — "a very strong and wrong
/// assumption", as the paper says — from the features of real images:
/// <list type="bullet">
/// <item><see cref="FromHistograms"/>: per dimension, zero with the probability that dimension is zero over the
/// reference set (so the sparsity matches), else a value drawn from a histogram of its non-zero values (uniform within
/// the bin); then multiplied by the contrast factor α (2 in the paper).</item>
/// <item><see cref="FromTruncatedGaussian"/>: one Gaussian fitted to all entries of all dimensions (mean and standard
/// deviation), samples below zero set to zero (a rectified, "shifted truncated" Gaussian), times α.</item>
/// </list>
/// </summary>
public sealed class FeatureSampler
{
    private readonly float[][] _binEdges; // per dimension: bins + 1 edges over its non-zero values
    private readonly double[][] _binCdf; // per dimension: cumulative bin probabilities
    private readonly double[] _nonZero; // per dimension: fraction of non-zero values
    private readonly double _mean,
        _std;

    public FeatureSampler(IReadOnlyList<float[]> reference, int bins = 32)
    {
        if (reference.Count < 2)
            throw new ArgumentException("Need at least two reference feature vectors.", nameof(reference));
        Dimensions = reference[0].Length;
        if (reference.Any(r => r.Length != Dimensions))
            throw new ArgumentException("Reference vectors differ in length.", nameof(reference));
        References = reference.Count;
        _binEdges = new float[Dimensions][];
        _binCdf = new double[Dimensions][];
        _nonZero = new double[Dimensions];
        double sum = 0,
            sumSq = 0;
        var values = new List<float>(reference.Count);
        for (int d = 0; d < Dimensions; d++)
        {
            values.Clear();
            foreach (var r in reference)
            {
                sum += r[d];
                sumSq += (double)r[d] * r[d];
                if (r[d] != 0)
                    values.Add(r[d]);
            }
            _nonZero[d] = (double)values.Count / reference.Count;
            float lo = values.Count > 0 ? values.Min() : 0,
                hi = values.Count > 0 ? values.Max() : 0;
            var edges = new float[bins + 1];
            for (int b = 0; b <= bins; b++)
                edges[b] = lo + (hi - lo) * b / bins;
            var counts = new double[bins];
            foreach (var v in values)
                counts[hi > lo ? Math.Min(bins - 1, (int)((v - lo) / (hi - lo) * bins)) : 0]++;
            var cdf = new double[bins];
            double acc = 0;
            for (int b = 0; b < bins; b++)
            {
                acc += counts[b];
                cdf[b] = values.Count > 0 ? acc / values.Count : 1;
            }
            _binEdges[d] = edges;
            _binCdf[d] = cdf;
        }
        long n = (long)reference.Count * Dimensions;
        _mean = sum / n;
        _std = Math.Sqrt(Math.Max(0, sumSq / n - _mean * _mean));
    }

    public int Dimensions { get; }
    public int References { get; }

    /// <summary>Fraction of zero entries over the reference set (the sparsity the histogram samples
    /// reproduce).</summary>
    public double Sparsity => 1 - _nonZero.Average();

    public float[] FromHistograms(Random random, double alpha = 2)
    {
        var x = new float[Dimensions];
        for (int d = 0; d < Dimensions; d++)
        {
            if (random.NextDouble() >= _nonZero[d])
                continue;
            double u = random.NextDouble();
            var cdf = _binCdf[d];
            int b = 0;
            while (b < cdf.Length - 1 && cdf[b] < u)
                b++;
            var edges = _binEdges[d];
            x[d] = (float)(alpha * (edges[b] + random.NextDouble() * (edges[b + 1] - edges[b])));
        }
        return x;
    }

    public float[] FromTruncatedGaussian(Random random, double alpha = 2)
    {
        var x = new float[Dimensions];
        for (int d = 0; d < Dimensions; d++)
        {
            double g =
                _mean
                + _std
                    * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()))
                    * Math.Cos(2 * Math.PI * random.NextDouble());
            x[d] = (float)(alpha * Math.Max(0, g));
        }
        return x;
    }
}
