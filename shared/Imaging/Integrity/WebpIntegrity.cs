using System.Buffers.Binary;

namespace FeatureInversion.Imaging.Integrity;

/// <summary>
/// Completeness of a WebP (RIFF container, Google's WebP container specification): the file must be as long as its
/// RIFF header says, and every chunk must end inside it. ImageSharp 2.1 decodes a truncated lossy or lossless WebP
/// and fills the rest with black.
/// </summary>
public static class WebpIntegrity
{
    public static string? Problem(ReadOnlySpan<byte> b)
    {
        if (b.Length < 12 || !b[..4].SequenceEqual("RIFF"u8) || !b[8..12].SequenceEqual("WEBP"u8)) return null;
        long riff = BinaryPrimitives.ReadUInt32LittleEndian(b[4..]);
        if (8 + riff > b.Length) return $"WebP truncated: {b.Length} bytes, its RIFF header promises {8 + riff}";
        long pos = 12, end = 8 + riff;
        while (pos + 8 <= end)
        {
            long size = BinaryPrimitives.ReadUInt32LittleEndian(b[(int)(pos + 4)..]);
            if (pos + 8 + size > end) return $"WebP truncated: chunk '{System.Text.Encoding.ASCII.GetString(b.Slice((int)pos, 4))}' runs past the end of the file";
            pos += 8 + size + (size & 1); // chunks are padded to an even size
        }
        return null;
    }
}
