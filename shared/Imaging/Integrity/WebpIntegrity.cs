using System.Buffers.Binary;

namespace FeatureInversion.Imaging.Integrity;

/// <summary>
/// Completeness of a WebP (RIFF container, Google's WebP container specification): the file must be as long as its
/// RIFF header says, and every chunk must end inside the file (the decoder reads chunks past a short RIFF size).
/// ImageSharp 2.1 decodes a truncated lossy or lossless WebP and fills the rest with black.
/// <para>
/// And what its lossless decoder will allocate: the prefix-code groups of every lossless stream (a 'VP8L' image, or
/// an 'ALPH' chunk compressed losslessly, at the top level or in an animation frame), read by
/// <see cref="Vp8lStream"/>, must fit <see cref="MaxDecoderTableBytes"/>.
/// </para>
/// </summary>
public static class WebpIntegrity
{
    public static string? Problem(ReadOnlySpan<byte> b)
    {
        if (b.Length < 12 || !b[..4].SequenceEqual("RIFF"u8) || !b[8..12].SequenceEqual("WEBP"u8))
            return null;
        long riff = BinaryPrimitives.ReadUInt32LittleEndian(b[4..]);
        if (8 + riff > b.Length)
            return $"WebP truncated: {b.Length} bytes, its RIFF header promises {8 + riff}";
        // ImageSharp reads the chunks that follow whatever the RIFF size says: a file whose RIFF size ends before
        // its image chunk (found by fuzzing: size 10, then a 30-byte 'VP8L' that made the decoder allocate 1.1 GB
        // on its way to an error) is checked as the decoder reads it, to its end.
        return Chunks(b[12..], canvasWidth: 0, canvasHeight: 0);
    }

    /// <summary>
    /// The most ImageSharp 2.1 may allocate for a lossless stream's prefix-code tables: 256 MiB. libwebp's encoder
    /// writes at most 2,600 groups (MAX_HUFF_IMAGE_SIZE), 208 MB at the largest colour cache, so every file it
    /// makes passes; a hostile one can declare 65,536 groups (3.1 GB) in 50 bytes.
    /// </summary>
    public const long MaxDecoderTableBytes = 256L * 1024 * 1024;

    /// <summary>Walks a chunk list (the file's, or an animation frame's), checking each lossless stream's
    /// cost.</summary>
    private static string? Chunks(ReadOnlySpan<byte> b, int canvasWidth, int canvasHeight)
    {
        int pos = 0;
        while (pos + 8 <= b.Length)
        {
            var fourCc = b.Slice(pos, 4);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(b[(pos + 4)..]);
            if (pos + 8 + size > b.Length)
                return $"WebP truncated: chunk '{System.Text.Encoding.ASCII.GetString(fourCc)}' runs past the end of "
                    + $"the file";
            var payload = b.Slice(pos + 8, (int)size);
            string? problem = null;
            if (fourCc.SequenceEqual("VP8X"u8) && size >= 10)
                (canvasWidth, canvasHeight) = (U24(payload[4..]) + 1, U24(payload[7..]) + 1);
            else if (fourCc.SequenceEqual("VP8L"u8))
                problem = Lossless(payload, 0, 0);
            else if (fourCc.SequenceEqual("ALPH"u8) && size >= 1 && (payload[0] & 3) == 1 && canvasWidth > 0)
                problem = Lossless(payload[1..], canvasWidth, canvasHeight);
            else if (fourCc.SequenceEqual("ANMF"u8) && size >= 16)
                problem = Chunks(payload[16..], U24(payload[6..]) + 1, U24(payload[9..]) + 1);
            if (problem is not null)
                return problem;
            pos += 8 + (int)size + (int)(size & 1); // chunks are padded to an even size
        }
        return null;
    }

    /// <summary>A 'VP8L' payload, or (with the canvas size) a lossless 'ALPH' stream.</summary>
    private static string? Lossless(ReadOnlySpan<byte> payload, int alphaWidth, int alphaHeight)
    {
        string what = alphaWidth > 0 ? "alpha channel" : "image";
        Vp8lStream.Shape shape;
        try
        {
            shape = alphaWidth > 0 ? Vp8lStream.ReadAlpha(payload, alphaWidth, alphaHeight) : Vp8lStream.Read(payload);
        }
        catch (InvalidDataException e)
        {
            return $"WebP lossless {what}: {e.Message}";
        }
        if (shape.DecoderTableBytes <= MaxDecoderTableBytes)
            return null;
        return $"WebP lossless {what} of {shape.Width}x{shape.Height} declares {shape.Groups} prefix-code groups, "
            + $"whose tables the decoder "
            + $"would allocate up front ({shape.DecoderTableBytes / (1024 * 1024)} MiB, over the "
            + $"{MaxDecoderTableBytes / (1024 * 1024)} MiB limit)";
    }

    private static int U24(ReadOnlySpan<byte> b) => b[0] | (b[1] << 8) | (b[2] << 16);
}
