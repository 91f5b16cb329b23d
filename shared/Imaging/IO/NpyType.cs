using System.Buffers.Binary;

namespace FeatureInversion.Imaging.IO;

/// <summary>
/// The element types a feature file may hold (numpy's array-interface type strings, NEP 1: a byte-order character
/// '&lt;', '&gt;', '=' or '|', a kind and a size): float32 and float64 (numpy's default, what Python scripts save) and
/// uint8 (COLMAP/Lowe descriptors), either byte order. Read in blocks and converted to float32.
/// </summary>
internal sealed record NpyType(char Kind, int Size, bool BigEndian)
{
    public bool IsNativeFloat32 => Kind == 'f' && Size == 4 && BigEndian == !BitConverter.IsLittleEndian;

    public string Name =>
        (Kind, Size) switch
        {
            ('f', 4) => "float32",
            ('f', 8) => "float64",
            _ => "uint8",
        } + (BigEndian && Size > 1 ? " big-endian" : "");

    public static NpyType? Parse(string descr)
    {
        if (descr.Length < 2)
            return null;
        char order = descr[0];
        string rest = order is '<' or '>' or '=' or '|' ? descr[1..] : descr;
        bool big = order == '>' || (order == '=' && !BitConverter.IsLittleEndian);
        return rest switch
        {
            "f4" when order != '|' => new NpyType('f', 4, big),
            "f8" when order != '|' => new NpyType('f', 8, big),
            "u1" => new NpyType('u', 1, false),
            _ => null,
        };
    }

    /// <summary>Reads <c>values.Length</c> elements and converts them to float32.</summary>
    public void Convert(Stream stream, Span<float> values)
    {
        var block = new byte[64 * 1024 * Size];
        for (int done = 0; done < values.Length; )
        {
            int n = Math.Min(values.Length - done, block.Length / Size);
            stream.ReadExactly(block, 0, n * Size);
            var bytes = block.AsSpan(0, n * Size);
            var target = values.Slice(done, n);
            for (int i = 0; i < n; i++)
            {
                var b = bytes.Slice(i * Size, Size);
                target[i] = (Kind, Size) switch
                {
                    ('u', 1) => b[0],
                    ('f', 4) => BigEndian
                        ? BinaryPrimitives.ReadSingleBigEndian(b)
                        : BinaryPrimitives.ReadSingleLittleEndian(b),
                    _ => (float)(
                        BigEndian ? BinaryPrimitives.ReadDoubleBigEndian(b) : BinaryPrimitives.ReadDoubleLittleEndian(b)
                    ),
                };
            }
            done += n;
        }
    }
}
