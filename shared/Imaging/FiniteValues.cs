using System.Numerics;

namespace FeatureInversion.Imaging;

/// <summary>Finiteness of float data (images, feature maps, arrays read from files): NaN and ±∞ are never data
/// here.</summary>
public static class FiniteValues
{
    /// <summary>The index of the first NaN or infinite value, or -1. v − v is 0 for finite v and NaN otherwise: a
    /// vector test per block, the scalar scan only within the block that fails and the tail.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = new Vector<float>(values[i..]);
            if (!Vector.EqualsAll(v - v, Vector<float>.Zero))
                break;
        }
        for (; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                return i;
        return -1;
    }

    /// <summary>Whether every value is finite.</summary>
    public static bool AreFinite(ReadOnlySpan<float> values) => IndexOfNonFinite(values) < 0;
}
