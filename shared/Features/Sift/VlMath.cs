using System.Numerics;
using System.Runtime.CompilerServices;

namespace FeatureInversion.Features.Sift;

/// <summary>
/// VLFeat 0.9.21's fast approximations (vl/mathop.h, vl/sift.c), reproduced operation by operation. SIFT uses them
/// for gradient magnitudes and angles and for Gaussian weights; replicating them rather than calling exact
/// functions keeps orientation peaks and descriptor bins on the same side of every threshold as VLFeat.
/// </summary>
internal static class VlMath
{
    public const float EpsilonF = 1.19209290E-07F;
    public const double EpsilonD = 2.220446049250313e-16;
    public const float TwoPiF = (float)(2 * Math.PI);

    private const int ExpnSize = 256;
    private const double ExpnMax = 25.0;

    /// <summary>fast_expn's table: exp(−25k/256) for k = 0…256.</summary>
    public static readonly double[] ExpnTable = BuildExpnTable();

    /// <summary>fast_expn: exp(−x) for x in [0, 25] by linear interpolation in a 257-entry table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double FastExpn(double x) => FastExpn(x, ExpnTable);

    /// <summary><see cref="FastExpn(double)"/> with the table in a local, for hot loops (no static base to
    /// load).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double FastExpn(double x, double[] table)
    {
        x *= ExpnSize / ExpnMax;
        int i = (int)Math.Floor(x);
        double r = x - i;
        double a = table[i];
        double b = table[i + 1];
        return a + r * (b - a);
    }

    /// <summary>vl_fast_sqrt_f: x · (two Newton steps of the 0x5f3759df inverse square root); 0 below 1e-8.</summary>
    public static float FastSqrt(float x) => x < 1e-8 ? 0 : x * FastInverseSqrt(x);

    private static float FastInverseSqrt(float x)
    {
        float xhalf = 0.5f * x;
        float y = BitConverter.Int32BitsToSingle(0x5f3759df - (BitConverter.SingleToInt32Bits(x) >> 1));
        y *= 1.5f - xhalf * y * y;
        y *= 1.5f - xhalf * y * y;
        return y;
    }

    /// <summary>Vector form of <see cref="FastSqrt(float)"/>, lane for lane identical.</summary>
    public static Vector<float> FastSqrt(Vector<float> x)
    {
        var xhalf = new Vector<float>(0.5f) * x;
        var y = Vector.AsVectorSingle(
            new Vector<int>(0x5f3759df) - Vector.ShiftRightArithmetic(Vector.AsVectorInt32(x), 1)
        );
        var threeHalves = new Vector<float>(1.5f);
        y *= threeHalves - xhalf * y * y;
        y *= threeHalves - xhalf * y * y;
        // x < 1e-8 (a double) holds exactly for the floats x <= 1e-8f.
        return Vector.ConditionalSelect(Vector.LessThanOrEqual(x, new Vector<float>(1e-8f)), Vector<float>.Zero, x * y);
    }

    /// <summary>vl_fast_atan2_f: a cubic approximation of atan2 accurate to about 1e-3 rad.</summary>
    public static float FastAtan2(float y, float x)
    {
        const float c3 = 0.1821F;
        const float c1 = 0.9675F;
        float absY = MathF.Abs(y) + EpsilonF;
        float angle,
            r;
        if (x >= 0)
        {
            r = (x - absY) / (x + absY);
            angle = (float)(Math.PI / 4);
        }
        else
        {
            r = (x + absY) / (absY - x);
            angle = (float)(3 * Math.PI / 4);
        }
        angle += (c3 * r * r - c1) * r;
        return y < 0 ? -angle : angle;
    }

    /// <summary>Vector form of <see cref="FastAtan2(float, float)"/>, lane for lane identical.</summary>
    public static Vector<float> FastAtan2(Vector<float> y, Vector<float> x)
    {
        var absY = Vector.Abs(y) + new Vector<float>(EpsilonF);
        var nonNegative = Vector.GreaterThanOrEqual(x, Vector<float>.Zero);
        var r = Vector.ConditionalSelect(nonNegative, (x - absY) / (x + absY), (x + absY) / (absY - x));
        var angle = Vector.ConditionalSelect(
            nonNegative,
            new Vector<float>((float)(Math.PI / 4)),
            new Vector<float>((float)(3 * Math.PI / 4))
        );
        angle += (new Vector<float>(0.1821F) * r * r - new Vector<float>(0.9675F)) * r;
        return Vector.ConditionalSelect(Vector.LessThan(y, Vector<float>.Zero), -angle, angle);
    }

    /// <summary>vl_mod_2pi_f: wraps into [0, 2π] by repeated float subtraction.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Mod2Pi(float x)
    {
        while (x > TwoPiF)
            x -= TwoPiF;
        while (x < 0.0F)
            x += TwoPiF;
        return x;
    }

    /// <summary>Gradient angle as stored by VLFeat's update_gradient: mod2π((float)(atan2 + 2π)), in [0, 2π].</summary>
    public static float GradientAngle(float gy, float gx) => Mod2Pi((float)(FastAtan2(gy, gx) + 2 * Math.PI));

    /// <summary>Vector form of <see cref="GradientAngle(float, float)"/>: the 2π is added in double, as in C.</summary>
    public static Vector<float> GradientAngle(Vector<float> gy, Vector<float> gx)
    {
        var atan = FastAtan2(gy, gx);
        Vector.Widen(atan, out var low, out var high);
        var twoPi = new Vector<double>(2 * Math.PI);
        var shifted = Vector.Narrow(low + twoPi, high + twoPi);
        // |fast atan2| < π + 1e-3, so the sum lies in (π, 3π + ...) and one float subtraction wraps it.
        var twoPiF = new Vector<float>(TwoPiF);
        return Vector.ConditionalSelect(Vector.GreaterThan(shifted, twoPiF), shifted - twoPiF, shifted);
    }

    private static double[] BuildExpnTable()
    {
        var table = new double[ExpnSize + 1];
        for (int k = 0; k <= ExpnSize; k++)
            table[k] = Math.Exp(-(double)k * (ExpnMax / ExpnSize));
        return table;
    }
}
