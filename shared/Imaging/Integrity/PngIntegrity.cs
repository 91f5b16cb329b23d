using System.Buffers.Binary;
using System.IO.Compression;

namespace FeatureInversion.Imaging.Integrity;

/// <summary>
/// Structural check of a PNG (ISO/IEC 15948, non-interlaced and Adam7) before decoding. ImageSharp 2.1 decodes a PNG
/// that stops early — cut inside IDAT, without IEND, or with an IEND glued after half the data — and leaves the
/// missing rows black. Here every chunk must lie inside the file, IEND must come, and the zlib stream of the IDAT
/// chunks must inflate to exactly the filtered bytes IHDR promises (inflated through a 64 KiB buffer, never kept).
/// </summary>
public static class PngIntegrity
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static bool IsPng(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Signature);

    /// <summary>Null when the file is complete, else why not.</summary>
    public static string? Problem(ReadOnlyMemory<byte> file)
    {
        var bytes = file.Span;
        if (!IsPng(bytes))
            return null;
        long pos = 8;
        long expected = -1;
        var idat = new List<(int Offset, int Length)>();
        while (true)
        {
            if (pos + 8 > bytes.Length)
                return "PNG truncated: no IEND chunk";
            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice((int)pos, 4));
            var type = bytes.Slice((int)pos + 4, 4);
            if (length > int.MaxValue || pos + 12 + length > bytes.Length)
                return $"PNG truncated: chunk '{System.Text.Encoding.ASCII.GetString(type)}' runs past the end of the "
                    + $"file";
            var data = bytes.Slice((int)pos + 8, (int)length);
            if (type.SequenceEqual("IHDR"u8))
            {
                if (length < 13)
                    return "PNG header chunk too short";
                expected = FilteredBytes(
                    BinaryPrimitives.ReadUInt32BigEndian(data),
                    BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
                    data[8],
                    data[9],
                    data[12]
                );
            }
            else if (type.SequenceEqual("IDAT"u8))
                idat.Add(((int)pos + 8, (int)length));
            else if (type.SequenceEqual("IEND"u8))
                break;
            pos += 12 + length;
        }
        if (expected < 0)
            return null; // unknown layout: ImageSharp reports it
        if (idat.Count == 0)
            return "PNG has no image data (IDAT)";
        long inflated = Inflated(file, idat, expected);
        return inflated < expected
            ? $"PNG truncated: its image data inflates to {inflated} of the {expected} bytes its header promises"
            : null;
    }

    /// <summary>
    /// The PNG with its image data in one IDAT chunk, or null when it needs no change. ImageSharp 2.1 fails on legal
    /// PNGs whose data is cut into tiny or empty IDAT chunks (1-byte chunks: IndexOutOfRange in its zlib reader; 300k
    /// empty ones: "bad zlib header"); the PNG standard lets the data be split anywhere. Only files with an IDAT
    /// chunk of under 256 bytes before the last are rewritten (encoders write 8–64 KiB chunks).
    /// Chunks before the first IDAT and after the last are kept as they are; call after <see cref="Problem"/>.
    /// </summary>
    public static byte[]? Repacked(ReadOnlyMemory<byte> file)
    {
        const int smallIdat = 256;
        var bytes = file.Span;
        if (!IsPng(bytes))
            return null;
        long pos = 8;
        int first = -1,
            end = -1;
        long total = 0;
        bool small = false;
        var idat = new List<(int Offset, int Length)>();
        while (pos + 12 <= bytes.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice((int)pos, 4));
            if (length > int.MaxValue || pos + 12 + length > bytes.Length)
                return null; // Problem reports it
            var type = bytes.Slice((int)pos + 4, 4);
            if (type.SequenceEqual("IDAT"u8))
            {
                if (first < 0)
                    first = (int)pos;
                if (idat.Count > 0 && idat[^1].Length < smallIdat)
                    small = true;
                idat.Add(((int)pos + 8, (int)length));
                total += length;
                end = (int)(pos + 12 + length);
            }
            else if (type.SequenceEqual("IEND"u8))
                break;
            pos += 12 + length;
        }
        if (!small || total > int.MaxValue - bytes.Length)
            return null;
        var packed = new byte[first + 12 + total + (bytes.Length - end)];
        bytes[..first].CopyTo(packed);
        int at = first;
        BinaryPrimitives.WriteUInt32BigEndian(packed.AsSpan(at), (uint)total);
        "IDAT"u8.CopyTo(packed.AsSpan(at + 4));
        int data = at + 8;
        foreach (var (o, l) in idat)
        {
            bytes.Slice(o, l).CopyTo(packed.AsSpan(data));
            data += l;
        }
        BinaryPrimitives.WriteUInt32BigEndian(packed.AsSpan(data), Crc32.Of(packed.AsSpan(at + 4, 4 + (int)total)));
        bytes[end..].CopyTo(packed.AsSpan(data + 4));
        return packed;
    }

    /// <summary>Filtered scanline bytes of an image (filter byte per row, per Adam7 pass when interlaced); -1 when
    /// unknown.</summary>
    private static long FilteredBytes(uint width, uint height, byte depth, byte colourType, byte interlace)
    {
        int channels = colourType switch
        {
            0 => 1,
            2 => 3,
            3 => 1,
            4 => 2,
            6 => 4,
            _ => 0,
        };
        if (channels == 0 || depth is not (1 or 2 or 4 or 8 or 16) || width == 0 || height == 0)
            return -1;
        long RowBytes(long w) => (w * channels * depth + 7) / 8;
        if (interlace == 0)
            return height * (1 + RowBytes(width));
        if (interlace != 1)
            return -1;
        ReadOnlySpan<int> xs = [0, 4, 0, 2, 0, 1, 0],
            ys = [0, 0, 4, 0, 2, 0, 1],
            dx = [8, 8, 4, 4, 2, 2, 1],
            dy = [8, 8, 8, 4, 4, 2, 2];
        long total = 0;
        for (int p = 0; p < 7; p++)
        {
            long w = width > xs[p] ? (width - xs[p] + dx[p] - 1) / dx[p] : 0;
            long h = height > ys[p] ? (height - ys[p] + dy[p] - 1) / dy[p] : 0;
            if (w > 0 && h > 0)
                total += h * (1 + RowBytes(w));
        }
        return total;
    }

    /// <summary>Inflates the concatenated IDAT payloads, counting bytes up to <paramref name="cap"/> (a broken stream
    /// ends the count).</summary>
    private static long Inflated(ReadOnlyMemory<byte> file, List<(int Offset, int Length)> idat, long cap)
    {
        using var zlib = new ZLibStream(new ChunkStream(file, idat), CompressionMode.Decompress);
        var buffer = new byte[65536];
        long total = 0;
        try
        {
            while (total < cap)
            {
                int n = zlib.Read(buffer, 0, buffer.Length);
                if (n == 0)
                    break;
                total += n;
            }
        }
        catch (InvalidDataException) { }
        return total;
    }

    /// <summary>The IDAT payloads as one read-only stream, without copying them.</summary>
    private sealed class ChunkStream(ReadOnlyMemory<byte> file, List<(int Offset, int Length)> chunks) : Stream
    {
        private int _chunk,
            _within;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (_chunk < chunks.Count && _within == chunks[_chunk].Length)
            {
                _chunk++;
                _within = 0;
            }
            if (_chunk == chunks.Count)
                return 0;
            var (o, l) = chunks[_chunk];
            int n = Math.Min(buffer.Length, l - _within);
            file.Span.Slice(o + _within, n).CopyTo(buffer);
            _within += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
