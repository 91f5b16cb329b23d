using System.Numerics;

namespace FeatureInversion.Imaging;

/// <summary>
/// Luma as MATLAB's <c>rgb2gray</c>: Y = 0.2989 R + 0.5870 G + 0.1140 B (the rounded ITU-R BT.601 weights),
/// applied to float values in [0, 1] without MATLAB's re-quantisation to uint8. The paper computes every
/// representation on this grayscale image while decoders predict the colour one.
/// </summary>
public static class Grayscale
{
    public const float RedWeight = 0.2989f;
    public const float GreenWeight = 0.5870f;
    public const float BlueWeight = 0.1140f;

    public static GrayImage FromRgb(ColorImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var gray = new float[image.Width * image.Height];
        Fill(image.Plane(0), image.Plane(1), image.Plane(2), gray);
        return new GrayImage(image.Width, image.Height, gray);
    }

    /// <summary>rgb2gray of planar RGB into <paramref name="gray"/> (same length as each plane), without
    /// allocating.</summary>
    public static void Fill(ReadOnlySpan<float> r, ReadOnlySpan<float> g, ReadOnlySpan<float> b, Span<float> gray)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var wr = new Vector<float>(RedWeight);
            var wg = new Vector<float>(GreenWeight);
            var wb = new Vector<float>(BlueWeight);
            for (; i <= gray.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var y =
                    wr * new Vector<float>(r[i..]) + wg * new Vector<float>(g[i..]) + wb * new Vector<float>(b[i..]);
                y.CopyTo(gray[i..]);
            }
        }
        for (; i < gray.Length; i++)
        {
            gray[i] = RedWeight * r[i] + GreenWeight * g[i] + BlueWeight * b[i];
        }
    }
}
