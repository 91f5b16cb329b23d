namespace FeatureInversion.Tests.Imaging;

/// <summary>
/// Writes VP8L bitstreams bit by bit (least-significant bit first, RFC 9649), for lossless WebPs no encoder would
/// make: a legal file whose entropy image names <c>groups</c> prefix-code groups, every code a one-symbol code.
/// </summary>
public sealed class Vp8lWriter
{
    private readonly List<byte> _bytes = [];
    private int _bit;

    public Vp8lWriter Bits(uint value, int n)
    {
        for (int i = 0; i < n; i++)
        {
            if (_bit == 0)
                _bytes.Add(0);
            if (((value >> i) & 1) != 0)
                _bytes[^1] |= (byte)(1 << _bit);
            _bit = (_bit + 1) & 7;
        }
        return this;
    }

    /// <summary>A one-symbol ("simple") prefix code: reading it takes no bits.</summary>
    public Vp8lWriter SingleSymbol(int symbol) =>
        symbol < 2
            ? Bits(1, 1).Bits(0, 1).Bits(0, 1).Bits((uint)symbol, 1)
            : Bits(1, 1).Bits(0, 1).Bits(1, 1).Bits((uint)symbol, 8);

    public byte[] ToArray() => [.. _bytes];

    /// <summary>A complete, legal 16×12 lossless WebP whose main image uses meta prefix codes with group indices up
    /// to <paramref name="groups"/> − 1 (every pixel black): libwebp decodes it; it costs a decoder that allocates a
    /// table per group before reading them kTableSize × 8 bytes per group.</summary>
    public static byte[] ManyGroups(int groups, int width = 16, int height = 12) =>
        Riff(ManyGroupsStream(groups, width, height, header: true));

    /// <summary>The bitstream of <see cref="ManyGroups"/>; without its header, as an 'ALPH' chunk holds it.</summary>
    public static byte[] ManyGroupsStream(int groups, int width, int height, bool header)
    {
        var w = new Vp8lWriter();
        if (header)
            w.Bits(0x2F, 8).Bits((uint)(width - 1), 14).Bits((uint)(height - 1), 14).Bits(0, 1).Bits(0, 3);
        w.Bits(0, 1); // no transform
        w.Bits(0, 1); // no colour cache
        w.Bits(1, 1).Bits(0, 3); // meta prefix codes, 4×4 blocks
        // The entropy image (4×3 here): no cache, one group; its pixels' red and green bytes give the group.
        int last = groups - 1;
        w.Bits(0, 1).SingleSymbol(last & 0xFF).SingleSymbol(last >> 8).SingleSymbol(0).SingleSymbol(0).SingleSymbol(0);
        for (int g = 0; g < groups; g++)
            w.SingleSymbol(0).SingleSymbol(0).SingleSymbol(0).SingleSymbol(0).SingleSymbol(0);
        return w.ToArray();
    }

    /// <summary>A simple-format WebP file around a VP8L payload.</summary>
    public static byte[] Riff(byte[] vp8l)
    {
        int padded = vp8l.Length + (vp8l.Length & 1);
        var file = new List<byte>();
        file.AddRange("RIFF"u8.ToArray());
        file.AddRange(BitConverter.GetBytes(4 + 8 + padded));
        file.AddRange("WEBPVP8L"u8.ToArray());
        file.AddRange(BitConverter.GetBytes(vp8l.Length));
        file.AddRange(vp8l);
        if ((vp8l.Length & 1) != 0)
            file.Add(0);
        return [.. file];
    }
}
