using System.Numerics;

namespace FeatureInversion.Features.Sift;

/// <summary>
/// Separable Gaussian smoothing as VLFeat's <c>_vl_sift_smooth</c>: taps exp(−½(j/σ)²) for |j| ≤ max(⌈4σ⌉, 1),
/// computed and normalised in float; edges padded by continuity (clamped); a vertical pass, then a horizontal one.
/// Each output accumulates the taps top-to-bottom / left-to-right from zero, as vl_imconvcol_vf does, so results
/// match VLFeat's to the last bit rather than merely closely (DoG extrema with a zero peak threshold are
/// sensitive to rounding in flat regions). Both passes are vectorised across x.
/// </summary>
internal sealed class GaussianSmoother
{
    private float[] _filter = [];
    private int _radius;
    private double _sigma = double.NaN;
    private float[] _padded = [];

    public int Radius => _radius;

    /// <summary>Smooths <paramref name="input"/> (w × h, row-major) into <paramref name="output"/>; both may be the
    /// same array.</summary>
    public void Smooth(float[] output, float[] temp, float[] input, int width, int height, double sigma)
    {
        PrepareFilter(sigma);
        Vertical(temp, input, width, height);
        Horizontal(output, temp, width, height);
    }

    private void PrepareFilter(double sigma)
    {
        if (sigma == _sigma)
            return;
        _sigma = sigma;
        _radius = Math.Max((int)Math.Ceiling(4.0 * sigma), 1);
        _filter = new float[2 * _radius + 1];
        float sum = 0;
        for (int j = 0; j < _filter.Length; j++)
        {
            float d = (j - _radius) / (float)sigma;
            _filter[j] = (float)Math.Exp(-0.5 * (d * d));
            sum += _filter[j];
        }
        for (int j = 0; j < _filter.Length; j++)
            _filter[j] /= sum;
    }

    // Each output sums its taps in order into its own accumulator; four outputs (vectors) at a time keep four
    // independent chains in flight, so the loops wait on the adder's throughput instead of its latency.
    private void Vertical(float[] output, float[] input, int width, int height)
    {
        var filter = _filter;
        int radius = _radius;
        int lanes = Vector<float>.Count;
        for (int y = 0; y < height; y++)
        {
            var dest = output.AsSpan(y * width, width);
            int x = 0;
            for (; x <= width - 4 * lanes; x += 4 * lanes)
            {
                Vector<float> a0 = Vector<float>.Zero,
                    a1 = a0,
                    a2 = a0,
                    a3 = a0;
                for (int j = 0; j < filter.Length; j++)
                {
                    int at = Math.Clamp(y - radius + j, 0, height - 1) * width + x;
                    var tap = new Vector<float>(filter[j]);
                    a0 += new Vector<float>(input, at) * tap;
                    a1 += new Vector<float>(input, at + lanes) * tap;
                    a2 += new Vector<float>(input, at + 2 * lanes) * tap;
                    a3 += new Vector<float>(input, at + 3 * lanes) * tap;
                }
                a0.CopyTo(dest[x..]);
                a1.CopyTo(dest[(x + lanes)..]);
                a2.CopyTo(dest[(x + 2 * lanes)..]);
                a3.CopyTo(dest[(x + 3 * lanes)..]);
            }
            for (; x <= width - lanes; x += lanes)
            {
                var acc = Vector<float>.Zero;
                for (int j = 0; j < filter.Length; j++)
                {
                    int row = Math.Clamp(y - radius + j, 0, height - 1);
                    acc += new Vector<float>(input, row * width + x) * new Vector<float>(filter[j]);
                }
                acc.CopyTo(dest[x..]);
            }
            for (; x < width; x++)
            {
                float acc = 0;
                for (int j = 0; j < filter.Length; j++)
                {
                    int row = Math.Clamp(y - radius + j, 0, height - 1);
                    acc += input[row * width + x] * filter[j];
                }
                dest[x] = acc;
            }
        }
    }

    private void Horizontal(float[] output, float[] input, int width, int height)
    {
        var filter = _filter;
        int radius = _radius;
        int paddedLength = width + 2 * radius;
        if (_padded.Length < paddedLength)
            _padded = new float[paddedLength];
        var padded = _padded;
        for (int y = 0; y < height; y++)
        {
            // Copy the row with `radius` clamped samples on each side so the tap loop needs no bounds logic.
            var row = input.AsSpan(y * width, width);
            padded.AsSpan(0, radius).Fill(row[0]);
            row.CopyTo(padded.AsSpan(radius));
            padded.AsSpan(radius + width, radius).Fill(row[^1]);

            var dest = output.AsSpan(y * width, width);
            int x = 0;
            int lanes = Vector<float>.Count;
            for (; x <= width - 4 * lanes; x += 4 * lanes)
            {
                Vector<float> a0 = Vector<float>.Zero,
                    a1 = a0,
                    a2 = a0,
                    a3 = a0;
                for (int j = 0; j < filter.Length; j++)
                {
                    var tap = new Vector<float>(filter[j]);
                    a0 += new Vector<float>(padded, x + j) * tap;
                    a1 += new Vector<float>(padded, x + j + lanes) * tap;
                    a2 += new Vector<float>(padded, x + j + 2 * lanes) * tap;
                    a3 += new Vector<float>(padded, x + j + 3 * lanes) * tap;
                }
                a0.CopyTo(dest[x..]);
                a1.CopyTo(dest[(x + lanes)..]);
                a2.CopyTo(dest[(x + 2 * lanes)..]);
                a3.CopyTo(dest[(x + 3 * lanes)..]);
            }
            for (; x <= width - lanes; x += lanes)
            {
                var acc = Vector<float>.Zero;
                for (int j = 0; j < filter.Length; j++)
                {
                    acc += new Vector<float>(padded, x + j) * new Vector<float>(filter[j]);
                }
                acc.CopyTo(dest[x..]);
            }
            for (; x < width; x++)
            {
                float acc = 0;
                for (int j = 0; j < filter.Length; j++)
                    acc += padded[x + j] * filter[j];
                dest[x] = acc;
            }
        }
    }
}
