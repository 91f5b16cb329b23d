namespace FeatureInversion.Features.Sift;

/// <summary>Orientation assignment and descriptor (vl_sift_calc_keypoint_orientations / _descriptor).</summary>
public sealed partial class SiftDetector
{
    private const int OrientationBins = 36;
    private const int DescriptorOrientations = 8; // NBO
    private const int DescriptorBins = 4; // NBP
    private const int BinYStride = DescriptorOrientations * DescriptorBins;

    private readonly DescriptorRowSamples _row = new();

    /// <summary>
    /// Up to four dominant orientations: a 36-bin histogram of gradient angles in a circular window of radius
    /// max(⌊3·1.5σ⌋, 1), weighted by magnitude and a Gaussian of σ_w = 1.5σ, binned bilinearly, smoothed six times
    /// by a circular [1 1 1]/3 filter; every local peak above 80% of the maximum is refined by a parabola.
    /// </summary>
    private int Orientations(Keypoint k, int o, int w, int h, Span<double> angles)
    {
        double xper = Math.Pow(2.0, o);
        double x = k.X / xper,
            y = k.Y / xper,
            sigma = k.Sigma / xper;
        int xi = (int)(x + 0.5),
            yi = (int)(y + 0.5),
            si = k.Is;
        double sigmaw = 1.5 * sigma;
        int radius = Math.Max((int)Math.Floor(3.0 * sigmaw), 1);
        if (xi < 0 || xi > w - 1 || yi < 0 || yi > h - 1 || si < SMin + 1 || si > SMax - 2)
            return 0;

        var mag = _magnitude[si - SMin - 1];
        var ang = _angle[si - SMin - 1];
        Span<double> hist = stackalloc double[OrientationBins];
        hist.Clear();
        for (int ys = Math.Max(-radius, -yi); ys <= Math.Min(radius, h - 1 - yi); ys++)
        {
            for (int xs = Math.Max(-radius, -xi); xs <= Math.Min(radius, w - 1 - xi); xs++)
            {
                double dx = xi + xs - x,
                    dy = yi + ys - y;
                double r2 = dx * dx + dy * dy;
                if (r2 >= radius * radius + 0.6)
                    continue;

                double weight = VlMath.FastExpn(r2 / (2 * sigmaw * sigmaw));
                int p = (yi + ys) * w + xi + xs;
                double m = mag[p];
                double fbin = OrientationBins * (double)ang[p] / (2 * Math.PI);
                int bin = (int)Math.Floor(fbin - 0.5);
                double rbin = fbin - bin - 0.5;
                hist[(bin + OrientationBins) % OrientationBins] += (1 - rbin) * m * weight;
                hist[(bin + 1) % OrientationBins] += rbin * m * weight;
            }
        }

        for (int iter = 0; iter < 6; iter++)
        {
            double prev = hist[OrientationBins - 1],
                first = hist[0];
            int i;
            for (i = 0; i < OrientationBins - 1; i++)
            {
                double smoothed = (prev + hist[i] + hist[(i + 1) % OrientationBins]) / 3.0;
                prev = hist[i];
                hist[i] = smoothed;
            }
            hist[i] = (prev + hist[i] + first) / 3.0;
        }

        double maxh = 0;
        foreach (var v in hist)
            maxh = Math.Max(maxh, v);

        int count = 0;
        for (int i = 0; i < OrientationBins && count < 4; i++)
        {
            double h0 = hist[i];
            double hm = hist[(i - 1 + OrientationBins) % OrientationBins];
            double hp = hist[(i + 1) % OrientationBins];
            if (h0 > 0.8 * maxh && h0 > hm && h0 > hp)
            {
                double di = -0.5 * (hp - hm) / (hp + hm - 2 * h0);
                angles[count++] = 2 * Math.PI * (i + di + 0.5) / OrientationBins;
            }
        }
        return count;
    }

    /// <summary>
    /// The 4×4×8 descriptor: bins of side SBP = magnification·σ rotated by the keypoint angle, samples within
    /// ±⌊√2·SBP·5/2 + ½⌋ pixels weighted by magnitude and a Gaussian of WindowSize bins, spread trilinearly;
    /// then L2-normalised, clamped at 0.2 and normalised again (with VLFeat's fast square root).
    /// </summary>
    private void Describe(Keypoint k, int o, int w, int h, double angle0, float[] descr)
    {
        double xper = Math.Pow(2.0, o);
        double x = k.X / xper,
            y = k.Y / xper,
            sigma = k.Sigma / xper;
        int xi = (int)(x + 0.5),
            yi = (int)(y + 0.5),
            si = k.Is;
        double st0 = Math.Sin(angle0),
            ct0 = Math.Cos(angle0);
        double sbp = Options.Magnification * sigma + VlMath.EpsilonD;
        int radius = (int)Math.Floor(Math.Sqrt(2.0) * sbp * (DescriptorBins + 1) / 2.0 + 0.5);
        Array.Clear(descr);
        if (xi < 0 || xi >= w || yi < 0 || yi >= h - 1 || si < SMin + 1 || si > SMax - 2)
            return;

        var mag = _magnitude[si - SMin - 1];
        var ang = _angle[si - SMin - 1];
        float wsigma = (float)Options.WindowSize;
        int center = (DescriptorBins / 2) * BinYStride + (DescriptorBins / 2) * DescriptorOrientations;

        // Same arithmetic as VLFeat sample by sample, and every bin receives its weights in the same order, so the
        // sums are identical. Only samples that add to no bin are left out: a sample adds only when its lower-left
        // bin lies in [−3, 1] in x and y, i.e. |nx|, |ny| ≤ 2.5 up to rounding, a band whose ends on each row
        // ContributingSpan finds with a pixel to spare (about half of the square window falls outside); the exact
        // test stays in SpreadRow. Per row, the samples' bins and weights are computed vector-wide, then spread in
        // order.
        var frame = new DescriptorFrame(x, y, st0, ct0, sbp, angle0, 2.0 * wsigma * wsigma);
        int xLow = Math.Max(-radius, 1 - xi) + xi,
            xHigh = Math.Min(radius, w - xi - 2) + xi;
        _row.EnsureCapacity(xHigh - xLow + 1);
        for (int dyi = Math.Max(-radius, 1 - yi); dyi <= Math.Min(radius, h - yi - 2); dyi++)
        {
            int py = yi + dyi;
            var (first, last) = ContributingSpan(frame, py, xLow, xHigh);
            if (first > last)
                continue;
            int n = DescriptorRow(frame, mag, ang, py * w, first, last, py);
            SpreadRow(n, descr, center);
        }

        float norm = NormalizeL2(descr);
        if (Options.NormThreshold > 0 && norm < Options.NormThreshold)
        {
            Array.Clear(descr);
            return;
        }
        for (int i = 0; i < descr.Length; i++)
        {
            if (descr[i] > 0.2)
                descr[i] = 0.2f;
        }
        NormalizeL2(descr);
    }

    private static float NormalizeL2(float[] v)
    {
        float sum = 0;
        foreach (var x in v)
            sum += x * x;
        float norm = VlMath.FastSqrt(sum) + VlMath.EpsilonF;
        for (int i = 0; i < v.Length; i++)
            v[i] /= norm;
        return norm;
    }
}
