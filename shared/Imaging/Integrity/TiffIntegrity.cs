using System.Buffers.Binary;

namespace FeatureInversion.Imaging.Integrity;

/// <summary>
/// Completeness of a classic TIFF (TIFF 6.0, section 2; little- or big-endian, not BigTIFF): the first IFD must lie
/// inside the file, and every strip or tile of the first image (StripOffsets 273 / StripByteCounts 279, TileOffsets
/// 324 / TileByteCounts 325) must end inside it. ImageSharp 2.1 decodes a TIFF whose strips are cut off or missing
/// and leaves them black. Only the first image is checked: only the first is decoded.
/// </summary>
public static class TiffIntegrity
{
    public static string? Problem(ReadOnlySpan<byte> b)
    {
        if (b.Length < 8)
            return null;
        bool little = b[0] == 'I' && b[1] == 'I';
        if (!little && !(b[0] == 'M' && b[1] == 'M'))
            return null;
        if (U16(b, 2, little) != 42)
            return null; // BigTIFF (43) and others: left to the decoder
        long ifd = U32(b, 4, little);
        if (ifd < 8 || ifd + 2 > b.Length)
            return "TIFF truncated: its first directory lies past the end of the file";
        int entries = U16(b, (int)ifd, little);
        if (ifd + 2 + 12L * entries > b.Length)
            return "TIFF truncated: its first directory runs past the end of the file";
        long[]? offsets = null,
            counts = null;
        for (int e = 0; e < entries; e++)
        {
            int at = (int)ifd + 2 + 12 * e;
            int tag = U16(b, at, little);
            if (tag is not (273 or 279 or 324 or 325))
                continue;
            var values = Values(b, at, little);
            if (values is null)
                return "TIFF truncated: a strip table lies past the end of the file";
            if (tag is 273 or 324)
                offsets = values;
            else
                counts = values;
        }
        if (offsets is null || counts is null)
            return null; // the decoder reports what is missing
        if (offsets.Length != counts.Length)
            return $"TIFF corrupt: {offsets.Length} strip offsets but {counts.Length} strip sizes";
        for (int i = 0; i < offsets.Length; i++)
        {
            if (offsets[i] + counts[i] > b.Length)
                return $"TIFF truncated: strip {i + 1} of {offsets.Length} ends at byte {offsets[i] + counts[i]}, the "
                    + $"file has {b.Length}";
        }
        return null;
    }

    /// <summary>A SHORT or LONG array entry's values (inline when they fit in 4 bytes), or null when they lie past the
    /// end.</summary>
    private static long[]? Values(ReadOnlySpan<byte> b, int entry, bool little)
    {
        int type = U16(b, entry + 2, little);
        long count = U32(b, entry + 4, little);
        int size = type switch
        {
            3 => 2,
            4 => 4,
            _ => 0,
        };
        if (size == 0 || count > 1 << 24)
            return null;
        long start = size * count <= 4 ? entry + 8 : U32(b, entry + 8, little);
        if (start + size * count > b.Length)
            return null;
        var values = new long[count];
        for (int i = 0; i < count; i++)
            values[i] = size == 2 ? U16(b, (int)(start + 2 * i), little) : U32(b, (int)(start + 4 * i), little);
        return values;
    }

    private static int U16(ReadOnlySpan<byte> b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt16BigEndian(b[at..]);

    private static long U32(ReadOnlySpan<byte> b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt32BigEndian(b[at..]);
}
