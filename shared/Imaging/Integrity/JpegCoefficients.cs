using System.Buffers;

namespace FeatureInversion.Imaging.Integrity;

/// <summary>The colour spaces a 1- or 3-component JPEG is read in, as ImageSharp 2.1 deduces them at the frame
/// header (JpegDecoderCore.DeduceJpegColorSpace); <see cref="Other"/> is left to ImageSharp.</summary>
internal enum JpegColourSpace
{
    Other,
    Gray,
    YCbCr,
    Rgb,
}

/// <summary>A decoded frame's DCT coefficients, per component in its block grid (whole MCUs), each block's 64 values
/// in ImageSharp's transposed natural order, with the component's quantisation table in natural order.</summary>
internal sealed record JpegCoefficients(
    int Width,
    int Height,
    int HMax,
    int VMax,
    JpegColourSpace Space,
    JpegCoefficients.Plane[] Components
)
{
    internal sealed record Plane(int H, int V, int GridWide, int GridHigh, short[] Coefficients, ushort[] Quant);

    /// <summary>Buffers up to 8 MB (a 4:2:0 photo of about 2.8 MP) are pooled, two per size: a decode allocated
    /// fresh large-object arrays each time, and gen-2 collections followed. Larger ones come and go (no pool holds
    /// hundreds of MB between photos).</summary>
    private static readonly ArrayPool<short> Pool = ArrayPool<short>.Create(1 << 22, 2);

    /// <summary>A zeroed buffer of at least <paramref name="length"/> values.</summary>
    public static short[] Rent(long length)
    {
        if (length > 1 << 22)
            return new short[length];
        var buffer = Pool.Rent((int)length);
        Array.Clear(buffer, 0, (int)length);
        return buffer;
    }

    public static void Return(short[] buffer)
    {
        if (buffer.Length <= 1 << 22)
            Pool.Return(buffer);
    }

    /// <summary>The buffers back to the pool: the coefficients are not to be read after.</summary>
    public void Release()
    {
        foreach (var plane in Components)
            Return(plane.Coefficients);
    }
}
