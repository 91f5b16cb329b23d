using System.Numerics;
using System.Runtime.CompilerServices;

namespace FeatureInversion.Features.Sift;

/// <summary>DoG extremum detection and sub-pixel refinement (vl_sift_detect).</summary>
public sealed partial class SiftDetector
{
    private void DetectExtrema(int o, int w, int h)
    {
        _keypoints.Clear();
        double tp = Options.PeakThreshold;
        double lowMax = 0.8 * tp,
            lowMin = -0.8 * tp; // compared in double, as VLFeat's v >= 0.8 * tp
        var candidates = new List<(int X, int Y, int S)>();

        // 3×3×3 strict extrema of levels s_min+1..s_max−2, scanned level, row, column as VLFeat. Vector-wide, a
        // pixel is a maximum when it exceeds the maximum of its 26 neighbours (the same as exceeding each), and
        // the double threshold becomes the float bound that orders every float alike.
        var maxBound = Vector.Create(FloatAtLeast(lowMax));
        var minBound = Vector.Create(FloatAtMost(lowMin));
        int lanes = Vector<float>.Count;
        for (int s = SMin + 1; s <= SMax - 2; s++)
        {
            var below = _dog[s - SMin - 1];
            var here = _dog[s - SMin];
            var above = _dog[s - SMin + 1];
            for (int y = 1; y < h - 1; y++)
            {
                int x = 1;
                for (; x + lanes <= w - 1; x += lanes)
                {
                    int i = y * w + x;
                    var v = new Vector<float>(here, i);
                    NeighbourRange(i, w, below, here, above, out var highest, out var lowest);
                    var found =
                        (Vector.GreaterThanOrEqual(v, maxBound) & Vector.GreaterThan(v, highest))
                        | (Vector.LessThanOrEqual(v, minBound) & Vector.LessThan(v, lowest));
                    if (found == Vector<int>.Zero)
                        continue;
                    for (int l = 0; l < lanes; l++)
                    {
                        if (found[l] != 0)
                            candidates.Add((x + l, y, s));
                    }
                }
                for (; x < w - 1; x++)
                {
                    int i = y * w + x;
                    float v = here[i];
                    if (
                        (v >= lowMax && IsExtremum(v, i, w, below, here, above, max: true))
                        || (v <= lowMin && IsExtremum(v, i, w, below, here, above, max: false))
                    )
                    {
                        candidates.Add((x, y, s));
                    }
                }
            }
        }

        foreach (var (x, y, s) in candidates)
        {
            if (Refine(o, x, y, s, w, h) is { } k)
                _keypoints.Add(k);
        }
    }

    /// <summary>Lane-wise maximum and minimum of the 26 neighbours of pixels i…i+lanes−1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // out vectors would otherwise go through memory
    private static void NeighbourRange(
        int i,
        int w,
        float[] below,
        float[] here,
        float[] above,
        out Vector<float> highest,
        out Vector<float> lowest
    )
    {
        var c = new Vector<float>(below, i);
        highest = c;
        lowest = c;
        c = new Vector<float>(above, i);
        highest = Vector.Max(highest, c);
        lowest = Vector.Min(lowest, c);
        for (int dy = -w; dy <= w; dy += w)
        {
            for (int dx = -1; dx <= 1; dx++)
            {
                int j = i + dy + dx;
                if (dy != 0 || dx != 0)
                {
                    c = new Vector<float>(here, j);
                    highest = Vector.Max(highest, c);
                    lowest = Vector.Min(lowest, c);
                    c = new Vector<float>(below, j);
                    highest = Vector.Max(highest, c);
                    lowest = Vector.Min(lowest, c);
                    c = new Vector<float>(above, j);
                    highest = Vector.Max(highest, c);
                    lowest = Vector.Min(lowest, c);
                }
            }
        }
    }

    /// <summary>The smallest float f with f ≥ t, so that v ≥ t ⇔ v ≥ f for every float v.</summary>
    private static float FloatAtLeast(double t)
    {
        float f = (float)t;
        return f >= t ? f : MathF.BitIncrement(f);
    }

    /// <summary>The largest float f with f ≤ t, so that v ≤ t ⇔ v ≤ f for every float v.</summary>
    private static float FloatAtMost(double t)
    {
        float f = (float)t;
        return f <= t ? f : MathF.BitDecrement(f);
    }

    private static bool IsExtremum(float v, int i, int w, float[] below, float[] here, float[] above, bool max)
    {
        // Same-level neighbours first: they reject most pixels quickest.
        ReadOnlySpan<int> offsets = [1, -1, w, -w, w + 1, w - 1, -w + 1, -w - 1];
        foreach (var d in offsets)
        {
            if (max ? !(v > here[i + d]) : !(v < here[i + d]))
                return false;
        }
        if (max ? !(v > above[i] && v > below[i]) : !(v < above[i] && v < below[i]))
            return false;
        foreach (var d in offsets)
        {
            if (max ? !(v > above[i + d] && v > below[i + d]) : !(v < above[i + d] && v < below[i + d]))
                return false;
        }
        return true;
    }

    /// <summary>
    /// Fits a quadratic to the DoG around (x, y, s) by Gauss elimination with partial pivoting, moving the integer
    /// location up to five times when the offset exceeds 0.6 px; keeps the point when the interpolated |DoG| exceeds
    /// the peak threshold, the Hessian passes the edge test and the offset stays below 1.5.
    /// </summary>
    private Keypoint? Refine(int o, int x, int y, int s, int w, int h)
    {
        double te = Options.EdgeThreshold,
            tp = Options.PeakThreshold;
        double xper = Math.Pow(2.0, o);
        double dxv = 0,
            dyv = 0,
            dsv = 0,
            dxx = 0,
            dyy = 0,
            dss = 0,
            dxy = 0,
            dxs = 0,
            dys = 0;
        Span<double> a = stackalloc double[9];
        Span<double> b = stackalloc double[3];
        int moveX = 0,
            moveY = 0;
        float[] below = _dog[s - SMin - 1],
            here = _dog[s - SMin],
            above = _dog[s - SMin + 1];
        int c = 0;

        for (int iter = 0; iter < 5; iter++)
        {
            x += moveX;
            y += moveY;
            c = y * w + x;

            dxv = 0.5 * (here[c + 1] - here[c - 1]);
            dyv = 0.5 * (here[c + w] - here[c - w]);
            dsv = 0.5 * (above[c] - below[c]);
            dxx = here[c + 1] + here[c - 1] - 2.0 * here[c];
            dyy = here[c + w] + here[c - w] - 2.0 * here[c];
            dss = above[c] + below[c] - 2.0 * here[c];
            dxy = 0.25 * (here[c + w + 1] + here[c - w - 1] - here[c + w - 1] - here[c - w + 1]);
            dxs = 0.25 * (above[c + 1] + below[c - 1] - above[c - 1] - below[c + 1]);
            dys = 0.25 * (above[c + w] + below[c - w] - above[c - w] - below[c + w]);

            // A is stored column-major as in VLFeat: A(i, j) = a[i + 3j].
            a[0] = dxx;
            a[4] = dyy;
            a[8] = dss;
            a[3] = a[1] = dxy;
            a[6] = a[2] = dxs;
            a[7] = a[5] = dys;
            b[0] = -dxv;
            b[1] = -dyv;
            b[2] = -dsv;
            Solve(a, b);

            moveX = (b[0] > 0.6 && x < w - 2 ? 1 : 0) + (b[0] < -0.6 && x > 1 ? -1 : 0);
            moveY = (b[1] > 0.6 && y < h - 2 ? 1 : 0) + (b[1] < -0.6 && y > 1 ? -1 : 0);
            if (moveX == 0 && moveY == 0)
                break;
        }

        double val = here[c] + 0.5 * (dxv * b[0] + dyv * b[1] + dsv * b[2]);
        double score = (dxx + dyy) * (dxx + dyy) / (dxx * dyy - dxy * dxy);
        double xn = x + b[0],
            yn = y + b[1],
            sn = s + b[2];
        bool good =
            Math.Abs(val) > tp
            && score < (te + 1) * (te + 1) / te
            && score >= 0
            && Math.Abs(b[0]) < 1.5
            && Math.Abs(b[1]) < 1.5
            && Math.Abs(b[2]) < 1.5
            && xn >= 0
            && xn <= w - 1
            && yn >= 0
            && yn <= h - 1
            && sn >= SMin
            && sn <= SMax;
        if (!good)
            return null;
        return new Keypoint(
            o,
            x,
            y,
            s,
            (float)(xn * xper),
            (float)(yn * xper),
            (float)sn,
            (float)(Sigma0 * Math.Pow(2.0, sn / S) * xper)
        );
    }

    /// <summary>VLFeat's 3×3 Gauss elimination; a near-singular pivot (&lt; 1e-10f) gives b = 0.</summary>
    private static void Solve(Span<double> a, Span<double> b)
    {
        for (int j = 0; j < 3; j++)
        {
            double maxa = 0,
                maxabsa = 0;
            int maxi = -1;
            for (int i = j; i < 3; i++)
            {
                double v = a[i + 3 * j];
                double absv = Math.Abs(v);
                if (absv > maxabsa)
                {
                    maxa = v;
                    maxabsa = absv;
                    maxi = i;
                }
            }
            if (maxabsa < 1e-10f)
            {
                b[0] = b[1] = b[2] = 0;
                break;
            }

            int p = maxi;
            for (int jj = j; jj < 3; jj++)
            {
                (a[p + 3 * jj], a[j + 3 * jj]) = (a[j + 3 * jj], a[p + 3 * jj]);
                a[j + 3 * jj] /= maxa;
            }
            (b[j], b[p]) = (b[p], b[j]);
            b[j] /= maxa;

            for (int ii = j + 1; ii < 3; ii++)
            {
                double f = a[ii + 3 * j];
                for (int jj = j; jj < 3; jj++)
                    a[ii + 3 * jj] -= f * a[j + 3 * jj];
                b[ii] -= f * b[j];
            }
        }

        for (int i = 2; i > 0; i--)
        {
            double f = b[i];
            for (int ii = i - 1; ii >= 0; ii--)
                b[ii] -= f * a[ii + 3 * i];
        }
    }
}
