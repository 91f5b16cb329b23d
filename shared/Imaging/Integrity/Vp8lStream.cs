using System.Buffers.Binary;

namespace FeatureInversion.Imaging.Integrity;

/// <summary>
/// Reads a WebP lossless (VP8L) bitstream as far as a decoder's memory depends on it: RFC 9649 ("WebP Image
/// Format"), section 3 (header), 4 (transforms) and 5 (entropy-coded image: prefix codes, LZ77 backward references,
/// colour cache, meta prefix codes). The constants and the distance map are those of the RFC and libwebp's
/// src/dec/vp8l_dec.c.
/// <para>
/// Why: the number of prefix-code groups of the main image is the largest value in its entropy image, up to 65,536,
/// whatever the image's size, and ImageSharp 2.1 allocates tables for every group (kTableSize entries of 8 bytes per
/// group, then a copy of each) before it reads one of them. A 50-byte 16×12 file can so cost 1.7 GB (found by
/// fuzzing). libwebp remaps the groups actually used; ImageSharp does not. So the transforms' sub-images and the
/// entropy image are decoded here (they are small: 1/16 of the pixels or less) and the group count is known before
/// ImageSharp sees the file. <see cref="Walk"/> with <c>wholeImage</c> also decodes the main image's symbols, for
/// the tests that check this reader against an encoder (it must end exactly where the stream ends).
/// </para>
/// Malformed streams throw <see cref="InvalidDataException"/>; every allocation here is bounded by the header's
/// width × height (≤ 16384², the format's limit) divided by at least 16.
/// </summary>
public static class Vp8lStream
{
    /// <summary>What a decoder must set up for the main image: its size, colour-cache bits and prefix-code
    /// groups.</summary>
    public readonly record struct Shape(int Width, int Height, int ColorCacheBits, int Groups)
    {
        /// <summary>Entries of ImageSharp's (and libwebp's) Huffman table per group for these cache bits.</summary>
        public int TableEntries => TableSize[ColorCacheBits];

        /// <summary>Bytes ImageSharp 2.1 allocates for the prefix-code tables before decoding: one table of
        /// 8-byte entries per group, and a copy of each group's five tables.</summary>
        public long DecoderTableBytes => 2L * 8 * Groups * TableEntries;
    }

    /// <summary>libwebp's kTableSize: the largest table a group of five codes can need, per colour-cache
    /// bits.</summary>
    private static readonly int[] TableSize = [2954, 2956, 2958, 2962, 2970, 2986, 3018, 3082, 3212, 3468, 3980, 5004];

    private const int Literals = 256,
        LengthCodes = 24,
        DistanceCodes = 40,
        MaxCacheBits = 11;
    private static readonly byte[] CodeLengthOrder = [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

    private static readonly byte[] CodeToPlane =
    [
        0x18,
        0x07,
        0x17,
        0x19,
        0x28,
        0x06,
        0x27,
        0x29,
        0x16,
        0x1a,
        0x26,
        0x2a,
        0x38,
        0x05,
        0x37,
        0x39,
        0x15,
        0x1b,
        0x36,
        0x3a,
        0x25,
        0x2b,
        0x48,
        0x04,
        0x47,
        0x49,
        0x14,
        0x1c,
        0x35,
        0x3b,
        0x46,
        0x4a,
        0x24,
        0x2c,
        0x58,
        0x45,
        0x4b,
        0x34,
        0x3c,
        0x03,
        0x57,
        0x59,
        0x13,
        0x1d,
        0x56,
        0x5a,
        0x23,
        0x2d,
        0x44,
        0x4c,
        0x55,
        0x5b,
        0x33,
        0x3d,
        0x68,
        0x02,
        0x67,
        0x69,
        0x12,
        0x1e,
        0x66,
        0x6a,
        0x22,
        0x2e,
        0x54,
        0x5c,
        0x43,
        0x4d,
        0x65,
        0x6b,
        0x32,
        0x3e,
        0x78,
        0x01,
        0x77,
        0x79,
        0x53,
        0x5d,
        0x11,
        0x1f,
        0x64,
        0x6c,
        0x42,
        0x4e,
        0x76,
        0x7a,
        0x21,
        0x2f,
        0x75,
        0x7b,
        0x31,
        0x3f,
        0x63,
        0x6d,
        0x52,
        0x5e,
        0x00,
        0x74,
        0x7c,
        0x41,
        0x4f,
        0x10,
        0x20,
        0x62,
        0x6e,
        0x30,
        0x73,
        0x7d,
        0x51,
        0x5f,
        0x40,
        0x72,
        0x7e,
        0x61,
        0x6f,
        0x50,
        0x71,
        0x7f,
        0x60,
        0x70,
    ];

    /// <summary>The shape of a 'VP8L' chunk's payload (signature byte 0x2F and the 14-bit sizes first).</summary>
    public static Shape Read(ReadOnlySpan<byte> chunk) => Walk(chunk, wholeImage: false, out _);

    /// <summary>The shape of an 'ALPH' chunk's lossless payload (after its one-byte header): an image stream with no
    /// header of its own, the size of the canvas.</summary>
    public static Shape ReadAlpha(ReadOnlySpan<byte> stream, int width, int height)
    {
        var bits = new BitReader(stream);
        return ImageStream(ref bits, width, height, wholeImage: false);
    }

    /// <summary>Reads a 'VP8L' payload; <paramref name="bitsRead"/> is where the reading stopped (with
    /// <paramref name="wholeImage"/>, the end of the pixel data).</summary>
    public static Shape Walk(ReadOnlySpan<byte> chunk, bool wholeImage, out long bitsRead)
    {
        var bits = new BitReader(chunk);
        if (bits.Read(8) != 0x2F)
            throw new InvalidDataException("no VP8L signature byte (0x2F)");
        int width = (int)bits.Read(14) + 1,
            height = (int)bits.Read(14) + 1;
        bits.Read(1); // alpha hint
        if (bits.Read(3) != 0)
            throw new InvalidDataException("VP8L version is not 0");
        var shape = ImageStream(ref bits, width, height, wholeImage);
        bitsRead = bits.Position;
        return shape;
    }

    /// <summary>The spatially-coded image of RFC 9649 5.1 (level 0): transforms, colour cache, meta prefix codes,
    /// then (only when <paramref name="wholeImage"/>) the codes and the pixels.</summary>
    private static Shape ImageStream(ref BitReader bits, int width, int height, bool wholeImage)
    {
        int xsize = width;
        int seen = 0;
        while (bits.Read(1) == 1)
        {
            int type = (int)bits.Read(2);
            if ((seen & (1 << type)) != 0)
                throw new InvalidDataException($"VP8L transform {type} occurs twice");
            seen |= 1 << type;
            switch (type)
            {
                case 0 or 1: // predictor, cross-colour: a sub-image of one pixel per block
                    int blockBits = (int)bits.Read(3) + 2;
                    EntropyImage(ref bits, SubSample(xsize, blockBits), SubSample(height, blockBits));
                    break;
                case 3: // colour indexing: a palette, then pixels packed 2, 4 or 8 to a byte
                    int colors = (int)bits.Read(8) + 1;
                    EntropyImage(ref bits, colors, 1);
                    xsize = SubSample(
                        xsize,
                        colors > 16 ? 0
                            : colors > 4 ? 1
                            : colors > 2 ? 2
                            : 3
                    );
                    break;
            }
        }
        int cacheBits = CacheBits(ref bits);
        int groups = 1,
            precision = 0,
            groupColumns = 0;
        uint[]? groupImage = null;
        if (bits.Read(1) == 1)
        {
            precision = (int)bits.Read(3) + 2;
            groupColumns = SubSample(xsize, precision);
            groupImage = EntropyImage(ref bits, groupColumns, SubSample(height, precision));
            for (int i = 0; i < groupImage.Length; i++)
            {
                groupImage[i] = (groupImage[i] >> 8) & 0xFFFF; // red and green bytes
                groups = Math.Max(groups, (int)groupImage[i] + 1);
            }
        }
        var shape = new Shape(width, height, cacheBits, groups);
        if (!wholeImage)
            return shape;

        var codes = new GroupCodes[groups];
        for (int g = 0; g < groups; g++)
            codes[g] = GroupCodes.Read(ref bits, cacheBits);
        DecodePixels(ref bits, xsize, height, cacheBits, codes, groupImage, precision, groupColumns);
        return shape;
    }

    /// <summary>An entropy-coded image of RFC 9649 5.1 (sub-images: no transforms, one group); its ARGB
    /// pixels.</summary>
    private static uint[] EntropyImage(ref BitReader bits, int xsize, int ysize)
    {
        int cacheBits = CacheBits(ref bits);
        var codes = new[] { GroupCodes.Read(ref bits, cacheBits) };
        return DecodePixels(ref bits, xsize, ysize, cacheBits, codes, null, 0, 0);
    }

    private static int CacheBits(ref BitReader bits)
    {
        if (bits.Read(1) == 0)
            return 0;
        int cacheBits = (int)bits.Read(4);
        if (cacheBits is < 1 or > MaxCacheBits)
            throw new InvalidDataException($"VP8L colour cache of {cacheBits} bits (1 to 11 allowed)");
        return cacheBits;
    }

    private static uint[] DecodePixels(
        ref BitReader bits,
        int xsize,
        int ysize,
        int cacheBits,
        GroupCodes[] codes,
        uint[]? groupImage,
        int precision,
        int groupColumns
    )
    {
        long total = (long)xsize * ysize;
        var pixels = new uint[total];
        var cache = cacheBits > 0 ? new uint[1 << cacheBits] : null;
        int shift = 32 - cacheBits;
        long pos = 0;
        while (pos < total)
        {
            int x = (int)(pos % xsize),
                y = (int)(pos / xsize);
            var group = groupImage is null
                ? codes[0]
                : codes[groupImage[(y >> precision) * groupColumns + (x >> precision)]];
            int s = group.Green.Decode(ref bits);
            if (s < Literals)
            {
                uint red = (uint)group.Red.Decode(ref bits),
                    blue = (uint)group.Blue.Decode(ref bits),
                    alpha = (uint)group.Alpha.Decode(ref bits);
                pixels[pos] = (alpha << 24) | (red << 16) | ((uint)s << 8) | blue;
                if (cache is not null)
                    cache[(0x1E35A7BDu * pixels[pos]) >> shift] = pixels[pos];
                pos++;
            }
            else if (s < Literals + LengthCodes)
            {
                int length = PrefixValue(ref bits, s - Literals);
                int distance = PlaneToDistance(xsize, PrefixValue(ref bits, group.Distance.Decode(ref bits)));
                if (distance > pos || length > total - pos)
                    throw new InvalidDataException(
                        $"VP8L backward reference of {length} pixels at distance {distance} from pixel {pos} leaves "
                            + $"the image"
                    );
                for (int i = 0; i < length; i++, pos++)
                {
                    pixels[pos] = pixels[pos - distance];
                    if (cache is not null)
                        cache[(0x1E35A7BDu * pixels[pos]) >> shift] = pixels[pos];
                }
            }
            else
            {
                if (cache is null)
                    throw new InvalidDataException("VP8L colour-cache symbol without a colour cache");
                pixels[pos++] = cache[s - Literals - LengthCodes];
            }
        }
        return pixels;
    }

    /// <summary>LZ77 length and distance prefix codes (RFC 9649 5.2.2).</summary>
    private static int PrefixValue(ref BitReader bits, int prefix)
    {
        if (prefix < 4)
            return prefix + 1;
        int extra = (prefix - 2) >> 1;
        int offset = (2 + (prefix & 1)) << extra;
        return offset + (int)bits.Read(extra) + 1;
    }

    private static int PlaneToDistance(int xsize, int code)
    {
        if (code > CodeToPlane.Length)
            return code - CodeToPlane.Length;
        int plane = CodeToPlane[code - 1];
        int distance = (plane >> 4) * xsize + 8 - (plane & 0xF);
        return distance >= 1 ? distance : 1;
    }

    private static int SubSample(int size, int bits) => (size + (1 << bits) - 1) >> bits;

    /// <summary>The five prefix codes of a group: green (with lengths and cache indices), red, blue, alpha,
    /// distance.</summary>
    private sealed record GroupCodes(
        PrefixCode Green,
        PrefixCode Red,
        PrefixCode Blue,
        PrefixCode Alpha,
        PrefixCode Distance
    )
    {
        public static GroupCodes Read(ref BitReader bits, int cacheBits) =>
            new(
                PrefixCode.Read(ref bits, Literals + LengthCodes + (cacheBits > 0 ? 1 << cacheBits : 0)),
                PrefixCode.Read(ref bits, Literals),
                PrefixCode.Read(ref bits, Literals),
                PrefixCode.Read(ref bits, Literals),
                PrefixCode.Read(ref bits, DistanceCodes)
            );
    }

    /// <summary>A canonical prefix code (RFC 9649 3.7.2.1), decoded a bit at a time: counts per length and the
    /// symbols in code order. A single used symbol takes no bits; otherwise the code must be complete.</summary>
    private sealed class PrefixCode
    {
        private readonly int[] _counts = new int[16];
        private readonly int[] _symbols;
        private readonly int _single = -1;

        private PrefixCode(ReadOnlySpan<int> lengths)
        {
            int used = 0,
                last = 0;
            for (int s = 0; s < lengths.Length; s++)
            {
                if (lengths[s] == 0)
                    continue;
                _counts[lengths[s]]++;
                used++;
                last = s;
            }
            if (used == 0)
                throw new InvalidDataException("VP8L prefix code with no symbol");
            _symbols = new int[used];
            if (used == 1)
            {
                _single = last;
                return;
            }
            int open = 1;
            for (int len = 1; len < 16; len++)
            {
                open = (open << 1) - _counts[len];
                if (open < 0)
                    throw new InvalidDataException("VP8L prefix code is over-subscribed");
            }
            if (open != 0)
                throw new InvalidDataException("VP8L prefix code is incomplete");
            Span<int> next = stackalloc int[16];
            for (int len = 1, at = 0; len < 16; len++)
            {
                next[len] = at;
                at += _counts[len];
            }
            for (int s = 0; s < lengths.Length; s++)
                if (lengths[s] != 0)
                    _symbols[next[lengths[s]]++] = s;
        }

        public int Decode(ref BitReader bits)
        {
            if (_single >= 0)
                return _single;
            int code = 0,
                first = 0,
                index = 0;
            for (int len = 1; len < 16; len++)
            {
                code |= (int)bits.Read(1);
                int count = _counts[len];
                if (code - first < count)
                    return _symbols[index + code - first];
                index += count;
                first = (first + count) << 1;
                code <<= 1;
            }
            throw new InvalidDataException("VP8L prefix code read past its longest code"); // only past the end of data
        }

        public static PrefixCode Read(ref BitReader bits, int alphabet)
        {
            var lengths = new int[alphabet];
            if (bits.Read(1) == 1) // simple code: one or two symbols of length 1
            {
                int count = (int)bits.Read(1) + 1;
                int first = (int)bits.Read(bits.Read(1) == 0 ? 1 : 8);
                if (first >= alphabet)
                    throw new InvalidDataException($"VP8L symbol {first} outside an alphabet of {alphabet}");
                lengths[first] = 1;
                if (count == 2)
                {
                    int second = (int)bits.Read(8);
                    if (second >= alphabet)
                        throw new InvalidDataException($"VP8L symbol {second} outside an alphabet of {alphabet}");
                    lengths[second] = 1;
                }
            }
            else
            {
                Span<int> lengthCodeLengths = stackalloc int[19];
                int codes = (int)bits.Read(4) + 4;
                for (int i = 0; i < codes; i++)
                    lengthCodeLengths[CodeLengthOrder[i]] = (int)bits.Read(3);
                var lengthCode = new PrefixCode(lengthCodeLengths);
                int max = alphabet;
                if (bits.Read(1) == 1)
                {
                    int nbits = 2 + 2 * (int)bits.Read(3);
                    max = 2 + (int)bits.Read(nbits);
                    if (max > alphabet)
                        throw new InvalidDataException(
                            $"VP8L code lengths for {max} symbols of an alphabet of {alphabet}"
                        );
                }
                int symbol = 0,
                    previous = 8;
                while (symbol < alphabet && max-- > 0)
                {
                    int len = lengthCode.Decode(ref bits);
                    if (len < 16)
                    {
                        lengths[symbol++] = len;
                        if (len != 0)
                            previous = len;
                        continue;
                    }
                    int repeat = len switch
                    {
                        16 => 3 + (int)bits.Read(2),
                        17 => 3 + (int)bits.Read(3),
                        _ => 11 + (int)bits.Read(7),
                    };
                    if (symbol + repeat > alphabet)
                        throw new InvalidDataException("VP8L code lengths repeat past the alphabet");
                    lengths.AsSpan(symbol, repeat).Fill(len == 16 ? previous : 0);
                    symbol += repeat;
                }
            }
            return new PrefixCode(lengths);
        }
    }

    /// <summary>Least-significant bit first, as VP8L packs its bits. A read past the end throws (libwebp sets its
    /// eos flag and fails the decode).</summary>
    private ref struct BitReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        public long Position { get; private set; }

        public uint Read(int n)
        {
            if (n == 0)
                return 0;
            if (Position + n > 8L * _data.Length)
                throw new InvalidDataException("VP8L data ends early");
            long byteAt = Position >> 3;
            int bit = (int)(Position & 7);
            ulong window;
            if (byteAt + 8 <= _data.Length)
                window = BinaryPrimitives.ReadUInt64LittleEndian(_data[(int)byteAt..]);
            else
            {
                window = 0;
                for (int i = 0; i < 8 && byteAt + i < _data.Length; i++)
                    window |= (ulong)_data[(int)byteAt + i] << (8 * i);
            }
            Position += n;
            return (uint)((window >> bit) & ((1UL << n) - 1));
        }
    }
}
