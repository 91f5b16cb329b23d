namespace FeatureInversion.Features.Sift;

/// <summary>
/// Descriptor layouts and normalisations of the tools whose files leak, mapped onto VLFeat's (the sparse SIFT grid's):
/// 128 values, orientation bin fastest, then x bin, then y bin, L2-normalised with VLFeat's 0.2 clamp.
/// <list type="bullet">
/// <item>UBC order (Lowe's, SiftGPU's, COLMAP's): the 8 orientation bins of each spatial bin run the other way,
/// bin k of VLFeat being bin (8 − k) mod 8 (COLMAP's <c>TransformVLFeatToUBCFeatureDescriptors</c>, q = {0,7,...,1}).
/// OpenCV's SIFT uses the same order (measured: cosine 0.998 against VLFeat on the same keypoints, 0.71 without
/// the reversal; docs/features.md).</item>
/// <item>COLMAP's default L1-root normalisation (<c>--SiftExtraction.normalization L1_ROOT</c>): VLFeat's
/// descriptor divided by its L1 norm, square-rooted, ×512, rounded and clamped to uint8. Undone by /512, squaring
/// and L2 normalisation (cosine 0.9999 against VLFeat).</item>
/// <item>OpenCV and Lowe: the L2-normalised, clamped descriptor ×512 saturated to 0–255 (OpenCV keeps it in
/// float32). L2 normalisation undoes the factor.</item>
/// </list>
/// </summary>
public static class DescriptorConventions
{
    public const int Length = 128;

    /// <summary>VLFeat's descriptor from one in UBC order (either direction: the permutation is its own
    /// inverse).</summary>
    public static void ReorderUbc(ReadOnlySpan<float> ubc, Span<float> vlfeat)
    {
        if (ubc.Length != Length || vlfeat.Length != Length)
            throw new ArgumentException("SIFT descriptors have 128 values.");
        for (int bin = 0; bin < 16; bin++)
        for (int k = 0; k < 8; k++)
            vlfeat[8 * bin + k] = ubc[8 * bin + ((8 - k) & 7)];
    }

    /// <summary>A COLMAP descriptor (uint8, UBC order, L1-root ×512) as VLFeat's.</summary>
    public static float[] FromColmap(ReadOnlySpan<byte> stored)
    {
        Span<float> ubc = stackalloc float[Length];
        for (int i = 0; i < Length; i++)
        {
            float root = stored[i] / 512f;
            ubc[i] = root * root;
        }
        var vlfeat = new float[Length];
        ReorderUbc(ubc, vlfeat);
        NormalizeL2(vlfeat);
        return vlfeat;
    }

    /// <summary>A VLFeat descriptor as it comes back from a COLMAP database: L1-root, ×512, rounded and clamped to
    /// uint8 (COLMAP's <c>FeatureDescriptorsToUnsignedByte</c>), then <see cref="FromColmap"/> (the UBC reordering
    /// and its inverse cancel).</summary>
    public static float[] ColmapRoundTrip(ReadOnlySpan<float> vlfeat)
    {
        double l1 = 0;
        foreach (var v in vlfeat)
            l1 += Math.Abs(v);
        var stored = new byte[Length];
        Span<float> ubc = stackalloc float[Length];
        ReorderUbc(vlfeat, ubc);
        for (int i = 0; i < Length; i++)
            stored[i] =
                l1 > 0 ? (byte)Math.Clamp(Math.Round(512 * Math.Sqrt(Math.Max(ubc[i], 0) / l1)), 0, 255) : (byte)0;
        return FromColmap(stored);
    }

    /// <summary>An OpenCV or Lowe descriptor (UBC order, ×512, any scale) as VLFeat's.</summary>
    public static float[] FromUbcLinear(ReadOnlySpan<float> stored)
    {
        var vlfeat = new float[Length];
        ReorderUbc(stored, vlfeat);
        NormalizeL2(vlfeat);
        return vlfeat;
    }

    /// <summary>
    /// A VLFeat descriptor as if stored with <paramref name="bits"/> bits per value (a defence an auditor may
    /// recommend): ×512 and saturated to 0–255 as OpenCV and Lowe store it (8 bits), then only its top
    /// <paramref name="bits"/> bits kept, each value put at the middle of its step, and L2-normalised back.
    /// </summary>
    public static float[] Quantize(ReadOnlySpan<float> vlfeat, int bits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 8);
        int drop = 8 - bits;
        var quantized = new float[vlfeat.Length];
        for (int i = 0; i < vlfeat.Length; i++)
        {
            int q = (int)Math.Clamp(Math.Floor(512.0 * Math.Max(vlfeat[i], 0f)), 0, 255);
            quantized[i] = drop == 0 ? q : ((q >> drop) << drop) + (1 << (drop - 1));
        }
        NormalizeL2(quantized);
        return quantized;
    }

    /// <summary>Unit L2 norm; an all-zero descriptor stays zero.</summary>
    public static void NormalizeL2(Span<float> v)
    {
        double sum = 0;
        foreach (var x in v)
            sum += (double)x * x;
        if (sum <= 0)
            return;
        float inv = (float)(1 / Math.Sqrt(sum));
        for (int i = 0; i < v.Length; i++)
            v[i] *= inv;
    }

    /// <summary>An angle in [0, 2π), VLFeat's range.</summary>
    public static float WrapAngle(double radians)
    {
        double a = radians % (2 * Math.PI);
        if (a < 0)
            a += 2 * Math.PI;
        return a >= 2 * Math.PI ? 0f : (float)a;
    }
}
