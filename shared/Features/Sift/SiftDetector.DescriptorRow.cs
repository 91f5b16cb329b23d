using System.Numerics;
using System.Runtime.CompilerServices;

namespace FeatureInversion.Features.Sift;

/// <summary>
/// One row of the descriptor window (vl_sift_calc_keypoint_descriptor's inner loop), split in two: the samples'
/// bins, fractions and weights computed vector-wide with VLFeat's float/double conversions lane for lane, then
/// spread into the histogram one sample after another in VLFeat's order.
/// </summary>
public sealed partial class SiftDetector
{
    /// <summary>A keypoint's frame in the octave: position, orientation (sin, cos), bin size SBP, 2·σ_w².</summary>
    internal readonly record struct DescriptorFrame(
        double X,
        double Y,
        double Sin,
        double Cos,
        double Sbp,
        double Angle,
        double TwoWindowSigma2
    );

    /// <summary>Per-sample values of one row: lower bins (x, y, angle), their fractions and the weight
    /// window · magnitude.</summary>
    private sealed class DescriptorRowSamples
    {
        public int[] BinX = [],
            BinY = [],
            BinT = [];
        public float[] RBinX = [],
            RBinY = [],
            RBinT = [],
            Weight = [];

        public void EnsureCapacity(int samples)
        {
            if (BinX.Length >= samples)
                return;
            int n = samples + Vector<float>.Count;
            BinX = new int[n];
            BinY = new int[n];
            BinT = new int[n];
            RBinX = new float[n];
            RBinY = new float[n];
            RBinT = new float[n];
            Weight = new float[n];
        }
    }

    /// <summary>
    /// Columns of row <paramref name="py"/> (within <paramref name="low"/>…<paramref name="high"/>) where
    /// |nx| ≤ 2.5 and |ny| ≤ 2.5 can hold, widened by a pixel each side: nx and ny are linear in the column, and
    /// the float roundings of the exact computation move them by far less than a pixel's step.
    /// </summary>
    internal static (int First, int Last) ContributingSpan(DescriptorFrame f, int py, int low, int high)
    {
        const double reach = DescriptorBins / 2 + 0.5;
        double dy = py - f.Y;
        double lo = low,
            hi = high;
        // nx·SBP = cos·dx + sin·dy and ny·SBP = −sin·dx + cos·dy, dx = column − x.
        Bound(f.Cos, f.Sin * dy, f.Sbp * reach, f.X, ref lo, ref hi);
        Bound(-f.Sin, f.Cos * dy, f.Sbp * reach, f.X, ref lo, ref hi);
        if (lo > hi)
            return (1, 0);
        return (Math.Max(low, (int)Math.Floor(lo) - 1), Math.Min(high, (int)Math.Ceiling(hi) + 1));

        static void Bound(double slope, double offset, double limit, double x, ref double lo, ref double hi)
        {
            if (Math.Abs(slope) < 1e-9)
            {
                // constant along the row: all or nothing, decided with the same pixel to spare
                if (Math.Abs(offset) > limit + 1)
                    hi = lo - 1;
                return;
            }
            double a = (-limit - offset) / slope + x,
                b = (limit - offset) / slope + x;
            lo = Math.Max(lo, Math.Min(a, b));
            hi = Math.Min(hi, Math.Max(a, b));
        }
    }

    /// <summary>Fills <see cref="_row"/> for pixels <paramref name="first"/>…<paramref name="last"/> of the row
    /// starting at <paramref name="rowStart"/>; returns the sample count.</summary>
    private int DescriptorRow(DescriptorFrame f, float[] mag, float[] ang, int rowStart, int first, int last, int py)
    {
        var row = _row;
        float dy = (float)(py - f.Y);
        double stdy = f.Sin * dy,
            ctdy = f.Cos * dy;
        int n = last - first + 1;
        int j = 0;
        int lanes = Vector<double>.Count;
        Span<double> offsets = stackalloc double[2 * lanes];
        for (int i = 0; i < offsets.Length; i++)
            offsets[i] = i;
        var offsetLow = new Vector<double>(offsets);
        var offsetHigh = new Vector<double>(offsets[lanes..]);
        Span<double> expArgs = stackalloc double[2 * lanes];
        Span<float> wins = stackalloc float[2 * lanes];
        var table = VlMath.ExpnTable;
        for (; j + 2 * lanes <= n; j += 2 * lanes)
        {
            // dx = (float)(x_i − x): the integer pixel is exact in double.
            var px = new Vector<double>(first + j);
            var dx = Vector.Narrow(px + offsetLow - new Vector<double>(f.X), px + offsetHigh - new Vector<double>(f.X));
            Vector.Widen(dx, out var dxLow, out var dxHigh);
            var nx = Vector.Narrow(
                (new Vector<double>(f.Cos) * dxLow + new Vector<double>(stdy)) / new Vector<double>(f.Sbp),
                (new Vector<double>(f.Cos) * dxHigh + new Vector<double>(stdy)) / new Vector<double>(f.Sbp)
            );
            var ny = Vector.Narrow(
                (new Vector<double>(-f.Sin) * dxLow + new Vector<double>(ctdy)) / new Vector<double>(f.Sbp),
                (new Vector<double>(-f.Sin) * dxHigh + new Vector<double>(ctdy)) / new Vector<double>(f.Sbp)
            );
            var binX = LowerBin(nx, out var rbinX);
            var binY = LowerBin(ny, out var rbinY);

            int p = rowStart + first + j;
            Vector.Widen(new Vector<float>(ang, p), out var angLow, out var angHigh);
            var theta = Mod2Pi(
                Vector.Narrow(angLow - new Vector<double>(f.Angle), angHigh - new Vector<double>(f.Angle))
            );
            Vector.Widen(new Vector<float>(DescriptorOrientations) * theta, out var ntLow, out var ntHigh);
            var nt = Vector.Narrow(ntLow / new Vector<double>(2 * Math.PI), ntHigh / new Vector<double>(2 * Math.PI));
            var binT = Vector.Floor(nt);

            Vector.Widen(nx * nx + ny * ny, out var r2Low, out var r2High);
            (r2Low / new Vector<double>(f.TwoWindowSigma2)).CopyTo(expArgs);
            (r2High / new Vector<double>(f.TwoWindowSigma2)).CopyTo(expArgs[lanes..]);
            for (int l = 0; l < wins.Length; l++)
                wins[l] = (float)VlMath.FastExpn(expArgs[l], table);

            binX.CopyTo(row.BinX, j);
            binY.CopyTo(row.BinY, j);
            Vector.ConvertToInt32(binT).CopyTo(row.BinT, j);
            rbinX.CopyTo(row.RBinX, j);
            rbinY.CopyTo(row.RBinY, j);
            (nt - binT).CopyTo(row.RBinT, j);
            (new Vector<float>(wins) * new Vector<float>(mag, p)).CopyTo(row.Weight, j);
        }
        for (; j < n; j++)
        {
            float dx = (float)(first + j - f.X);
            float nx = (float)((f.Cos * dx + stdy) / f.Sbp);
            float ny = (float)((-f.Sin * dx + ctdy) / f.Sbp);
            int binx = (int)MathF.Floor((float)(nx - 0.5));
            int biny = (int)MathF.Floor((float)(ny - 0.5));
            int p = rowStart + first + j;
            float theta = VlMath.Mod2Pi((float)(ang[p] - f.Angle));
            float nt = (float)(DescriptorOrientations * theta / (2 * Math.PI));
            float win = (float)VlMath.FastExpn((nx * nx + ny * ny) / f.TwoWindowSigma2, table);
            int bint = (int)MathF.Floor(nt);
            row.BinX[j] = binx;
            row.BinY[j] = biny;
            row.BinT[j] = bint;
            row.RBinX[j] = (float)(nx - (binx + 0.5));
            row.RBinY[j] = (float)(ny - (biny + 0.5));
            row.RBinT[j] = nt - bint;
            row.Weight[j] = win * mag[p];
        }
        return n;
    }

    /// <summary>Lane-wise ⌊(float)(n − 0.5)⌋ and the fraction (float)(n − (bin + 0.5)), in double as C
    /// promotes them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<int> LowerBin(Vector<float> n, out Vector<float> fraction)
    {
        Vector.Widen(n, out var low, out var high);
        var half = new Vector<double>(0.5);
        var bin = Vector.Floor(Vector.Narrow(low - half, high - half));
        Vector.Widen(bin, out var binLow, out var binHigh);
        fraction = Vector.Narrow(low - (binLow + half), high - (binHigh + half));
        return Vector.ConvertToInt32(bin);
    }

    /// <summary>Lane-wise <see cref="VlMath.Mod2Pi(float)"/>: each lane repeats its subtractions, then its
    /// additions, as the scalar loops do.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Mod2Pi(Vector<float> x)
    {
        var twoPi = new Vector<float>(VlMath.TwoPiF);
        for (var above = Vector.GreaterThan(x, twoPi); above != Vector<int>.Zero; above = Vector.GreaterThan(x, twoPi))
            x = Vector.ConditionalSelect(above, x - twoPi, x);
        for (
            var below = Vector.LessThan(x, Vector<float>.Zero);
            below != Vector<int>.Zero;
            below = Vector.LessThan(x, Vector<float>.Zero)
        )
            x = Vector.ConditionalSelect(below, x + twoPi, x);
        return x;
    }

    /// <summary>Adds each sample of the row to its up to eight bins, trilinearly, in sample order.</summary>
    private void SpreadRow(int n, float[] descr, int center)
    {
        var row = _row;
        for (int j = 0; j < n; j++)
        {
            int binx = row.BinX[j],
                biny = row.BinY[j];
            if ((uint)(binx + 3) > 4 || (uint)(biny + 3) > 4)
                continue;
            float rbinx = row.RBinX[j],
                rbiny = row.RBinY[j],
                rbint = row.RBinT[j];
            float wm = row.Weight[j];
            // weight = win · m · |1 − dbinx − rbinx| · |1 − dbiny − rbiny| · |1 − dbint − rbint|, left to right.
            float at0 = MathF.Abs(1 - rbint),
                at1 = MathF.Abs(-rbint);
            int t0 = row.BinT[j] % DescriptorOrientations,
                t1 = (row.BinT[j] + 1) % DescriptorOrientations;
            for (int dbinx = 0; dbinx < 2; dbinx++)
            {
                int bx = binx + dbinx;
                if (bx < -DescriptorBins / 2 || bx >= DescriptorBins / 2)
                    continue;
                float wx = wm * MathF.Abs(1 - dbinx - rbinx);
                for (int dbiny = 0; dbiny < 2; dbiny++)
                {
                    int by = biny + dbiny;
                    if (by < -DescriptorBins / 2 || by >= DescriptorBins / 2)
                        continue;
                    float wxy = wx * MathF.Abs(1 - dbiny - rbiny);
                    int bin = center + by * BinYStride + bx * DescriptorOrientations;
                    descr[bin + t0] += wxy * at0;
                    descr[bin + t1] += wxy * at1;
                }
            }
        }
    }
}
