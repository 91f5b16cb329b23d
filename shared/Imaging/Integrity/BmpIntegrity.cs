using System.Buffers.Binary;

namespace FeatureInversion.Imaging.Integrity;

/// <summary>
/// Length check of an uncompressed BMP (BI_RGB or BI_BITFIELDS, 1–32 bits per pixel): ImageSharp 2.1 decodes one cut
/// short and leaves the missing rows black. The file must hold the pixel rows its header promises (rows padded to
/// 4 bytes) after the pixel-data offset. Run-length-encoded and other BMPs are left to the decoder.
/// </summary>
public static class BmpIntegrity
{
    public static string? Problem(ReadOnlySpan<byte> b)
    {
        if (b.Length < 34 || b[0] != (byte)'B' || b[1] != (byte)'M') return null;
        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(b[10..]);
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(b[14..]);
        if (headerSize < 40) return null; // OS/2 headers: left to the decoder
        long width = BinaryPrimitives.ReadInt32LittleEndian(b[18..]), height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(b[22..]));
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(b[28..]);
        uint compression = BinaryPrimitives.ReadUInt32LittleEndian(b[30..]);
        if (compression is not (0 or 3) || bits is not (1 or 2 or 4 or 8 or 16 or 24 or 32) || width <= 0) return null;
        long needed = offset + (width * bits + 31) / 32 * 4 * height;
        return b.Length < needed ? $"BMP truncated: {b.Length} bytes, its header promises {needed}" : null;
    }
}
