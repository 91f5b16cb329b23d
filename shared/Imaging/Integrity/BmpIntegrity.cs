using System.Buffers.Binary;

namespace FeatureInversion.Imaging.Integrity;

/// <summary>
/// Length check of an uncompressed BMP (BI_RGB or BI_BITFIELDS, 1–32 bits per pixel): ImageSharp 2.1 decodes one cut
/// short and leaves the missing rows black. The file must hold the pixel rows its header promises (rows padded to
/// 4 bytes) after the pixel-data offset. Run-length-encoded BMPs (RLE8, RLE4) are walked code by code: the stream must
/// stay inside the file and end with end-of-bitmap or after its last row, and must write at least a tenth of the
/// pixels (ImageSharp leaves pixels that runs skip black: a few bytes that skip a whole 6000×6000 bitmap decoded as a
/// black "photo"). Other BMPs are left to the decoder. Two checks every BMP must pass come first, in
/// <see cref="HeaderProblem"/>, which callers run before ImageSharp identifies the file: its pixel data starts inside
/// the file, and a palette its header declares (colours used × 4 bytes) fits in it. ImageSharp 2.1 allocates
/// the palette from the header's count before reading it, bounded only by the pixel-data offset: 60-byte files that
/// declared both in the hundreds of millions allocated up to 1.8 GB (found by fuzzing).
/// </summary>
public static class BmpIntegrity
{
    public static string? Problem(ReadOnlySpan<byte> b)
    {
        if (b.Length < 34 || b[0] != (byte)'B' || b[1] != (byte)'M')
            return null;
        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(b[10..]);
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(b[14..]);
        if (headerSize < 40)
            return null; // OS/2 headers: left to the decoder
        long width = BinaryPrimitives.ReadInt32LittleEndian(b[18..]),
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(b[22..]));
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(b[28..]);
        uint compression = BinaryPrimitives.ReadUInt32LittleEndian(b[30..]);
        if ((compression, bits) is (1, 8) or (2, 4) && width > 0 && height > 0)
            return RleProblem(b, offset, width, height, bits);
        if (compression is not (0 or 3) || bits is not (1 or 2 or 4 or 8 or 16 or 24 or 32) || width <= 0)
            return null;
        long needed = offset + (width * bits + 31) / 32 * 4 * height;
        return b.Length < needed ? $"BMP truncated: {b.Length} bytes, its header promises {needed}" : null;
    }

    /// <summary>
    /// The checks that must come before ImageSharp even identifies a BMP (its Identify reads the palette): the pixel
    /// data starts inside a file of <paramref name="fileLength"/> bytes, and the declared palette fits in it.
    /// <paramref name="head"/> is at least the file's first 50 bytes (or all of it).
    /// </summary>
    public static string? HeaderProblem(ReadOnlySpan<byte> head, long fileLength)
    {
        if (head.Length < 18 || head[0] != (byte)'B' || head[1] != (byte)'M')
            return null;
        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(head[10..]);
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(head[14..]);
        if (offset > fileLength)
            return $"BMP truncated: its pixel data starts at byte {offset}, the file has {fileLength}";
        if (headerSize >= 40 && head.Length >= 50)
        {
            long colors = BinaryPrimitives.ReadUInt32LittleEndian(head[46..]);
            if (4 * colors > fileLength)
                return $"BMP corrupt: its header declares a palette of {colors} colours, more than the "
                    + $"{fileLength}-byte file holds";
        }
        return null;
    }

    /// <summary>Walks an RLE8/RLE4 stream (Microsoft's BMP RLE: encoded runs, escapes 0 end-of-line, 1 end-of-bitmap,
    /// 2 delta, 3–255 absolute runs padded to 16 bits), counting the pixels it writes.</summary>
    private static string? RleProblem(ReadOnlySpan<byte> b, long offset, long width, long height, int bits)
    {
        long pos = offset,
            written = 0,
            row = 0,
            column = 0;
        bool ended = false;
        while (!ended)
        {
            if (row >= height)
                break; // past the last row: what follows is never drawn
            if (pos + 2 > b.Length)
                return $"BMP RLE data truncated at row {row} of {height}";
            int count = b[(int)pos],
                code = b[(int)pos + 1];
            pos += 2;
            if (count > 0)
            {
                long n = Math.Min(count, Math.Max(0, width - column));
                written += n;
                column += count;
                continue;
            }
            switch (code)
            {
                case 0:
                    row++;
                    column = 0;
                    break;
                case 1:
                    ended = true;
                    break;
                case 2:
                    if (pos + 2 > b.Length)
                        return $"BMP RLE data truncated at row {row} of {height}";
                    column += b[(int)pos];
                    row += b[(int)pos + 1];
                    pos += 2;
                    break;
                default:
                    long bytes = bits == 8 ? code : (code + 1) / 2;
                    bytes += bytes & 1; // absolute runs are padded to 16 bits
                    if (pos + bytes > b.Length)
                        return $"BMP RLE data truncated at row {row} of {height}";
                    written += Math.Min(code, Math.Max(0, width - column));
                    column += code;
                    pos += bytes;
                    break;
            }
        }
        long pixels = width * height;
        return written * 10 < pixels
            ? $"BMP RLE data writes {written} of its {pixels} pixels; the rest would decode black"
            : null;
    }
}
