using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace FeatureInversion.Imaging.IO;

/// <summary>
/// NumPy <c>.npy</c> files holding little-endian float32 arrays in C order, the exchange format for features and
/// reconstructions (<c>numpy.load</c> reads them directly). Written as version 1.0; read as numpy's format spec
/// says (versions 1.0, 2.0 and 3.0; the header a Python dict literal with exactly 'descr', 'fortran_order' and
/// 'shape', <see cref="NpyHeader"/>): what numpy refuses is refused, what it reads is read the same way.
/// </summary>
public static class NpyFile
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Whether bytes start as a .npy file does (its magic string), whatever the file is called.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> head) => head.StartsWith(Magic);

    public static void Write(string path, ReadOnlySpan<float> data, params int[] shape)
    {
        using var stream = File.Create(path);
        Write(stream, data, shape);
    }

    public static void Write(Stream stream, ReadOnlySpan<float> data, params int[] shape)
    {
        var header = Header(data.Length, shape);
        stream.Write(header);
        stream.Write(MemoryMarshal.AsBytes(data));
    }

    /// <summary>The .npy file of <see cref="Write(Stream, ReadOnlySpan{float}, int[])"/> as one array of its exact
    /// length (a memory stream would grow by doubling, then be copied).</summary>
    public static byte[] ToBytes(ReadOnlySpan<float> data, params int[] shape)
    {
        var header = Header(data.Length, shape);
        var bytes = new byte[header.Length + (long)data.Length * sizeof(float)];
        header.CopyTo(bytes, 0);
        MemoryMarshal.AsBytes(data).CopyTo(bytes.AsSpan(header.Length));
        return bytes;
    }

    /// <summary>Magic, version 1.0, header length and the header dictionary, padded to a multiple of 64
    /// bytes.</summary>
    private static byte[] Header(int length, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = shape.Aggregate(1L, (a, d) => d < 0 ? throw new ArgumentException("Negative dimension.") : a * d);
        if (count != length)
            throw new ArgumentException($"Shape ({string.Join(", ", shape)}) holds {count} values, data has {length}.");
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Big-endian hosts are not supported.");

        string dims =
            shape.Length == 1
                ? $"{shape[0]},"
                : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        // Pad with spaces so that magic (6) + version (2) + length (2) + header is a multiple of 64, ending in '\n'.
        int total = 10 + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        var bytes = new byte[padded];
        Magic.CopyTo(bytes);
        bytes[6] = 1; // version 1.0
        bytes[8] = (byte)((padded - 10) & 0xff);
        bytes[9] = (byte)((padded - 10) >> 8);
        int written = Encoding.ASCII.GetBytes(dict, bytes.AsSpan(10));
        bytes.AsSpan(10 + written, padded - 11 - written).Fill((byte)' ');
        bytes[padded - 1] = (byte)'\n';
        return bytes;
    }

    /// <summary>The most values an array may hold (256 MB of float32); larger declared shapes are refused before
    /// allocation.</summary>
    public const long DefaultMaxValues = 64L * 1024 * 1024;

    /// <summary>Longest accepted header (NumPy writes under 1 KiB; version 2 allows 4 GiB).</summary>
    public const int MaxHeaderLength = 64 * 1024;

    /// <summary>Reads a C-order array as float32 (<see cref="Load(Stream, string, long)"/>); the stored type is
    /// dropped.</summary>
    public static (float[] Data, int[] Shape) Read(string path, long maxValues = DefaultMaxValues)
    {
        var array = Load(path, maxValues);
        return (array.Data, array.Shape);
    }

    /// <summary>As <see cref="Read(string, long)"/>, from a stream.</summary>
    public static (float[] Data, int[] Shape) Read(
        Stream stream,
        string name = "array",
        long maxValues = DefaultMaxValues
    )
    {
        var array = Load(stream, name, maxValues);
        return (array.Data, array.Shape);
    }

    /// <summary>An array's shape from its header alone (checked as <see cref="Load(Stream, string, long)"/> checks
    /// it).</summary>
    public static int[] Shape(string path, long maxValues = DefaultMaxValues)
    {
        using var stream = File.OpenRead(path);
        try
        {
            return ReadHeader(stream, Path.GetFileName(path), maxValues).Shape;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{Path.GetFileName(path)}: the file ends before its header does.");
        }
    }

    public static NpyArray Load(string path, long maxValues = DefaultMaxValues)
    {
        using var stream = File.OpenRead(path);
        return Load(stream, Path.GetFileName(path), maxValues);
    }

    /// <summary>
    /// Reads a C-order array of float32, float64 or uint8, either byte order, as float32 (<see
    /// cref="NpyArray.Conversion"/> says when it was converted: numpy's default float64, and uint8 descriptors, are
    /// what other tools save). Everything is checked before the data is allocated: magic, version, header length (at
    /// most <see cref="MaxHeaderLength"/>), dtype, order, the shape (non-negative integers whose product is at most
    /// <paramref name="maxValues"/>) and, on a seekable stream, that the data is exactly as long as the shape says.
    /// NaN and infinite values (float64 beyond float32's range included) are refused. Every problem is an
    /// <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static NpyArray Load(Stream stream, string name = "array", long maxValues = DefaultMaxValues)
    {
        try
        {
            return ReadChecked(stream, name, maxValues);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{name}: the file ends before its header or data does.");
        }
    }

    private static (NpyType Type, int[] Shape, long Count) ReadHeader(Stream stream, string name, long maxValues)
    {
        Span<byte> prefix = stackalloc byte[10];
        stream.ReadExactly(prefix);
        if (!prefix[..6].SequenceEqual(Magic))
            throw new InvalidDataException($"{name}: not a .npy file.");
        int major = prefix[6],
            minor = prefix[7];
        if (major is not (1 or 2 or 3) || minor != 0)
            throw new InvalidDataException(
                $"{name}: unsupported .npy version {major}.{minor} (numpy reads 1.0, 2.0 and 3.0)."
            );
        long headerLength;
        if (major == 1)
        {
            headerLength = prefix[8] | (prefix[9] << 8);
        }
        else
        {
            Span<byte> rest = stackalloc byte[2];
            stream.ReadExactly(rest);
            headerLength = (uint)(prefix[8] | (prefix[9] << 8) | (rest[0] << 16) | (rest[1] << 24));
        }
        if (headerLength > MaxHeaderLength)
            throw new InvalidDataException($"{name}: header of {headerLength} bytes exceeds {MaxHeaderLength}.");

        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        // numpy decodes version 1 and 2 headers as latin-1, version 3 as UTF-8.
        string header;
        try
        {
            header =
                major == 3
                    ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(headerBytes)
                    : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException($"{name}: version 3 header is not UTF-8.");
        }
        if (header.Any(c => char.IsControl(c) && c is not ('\n' or '\t' or '\r' or '\f')))
            throw new InvalidDataException($"{name}: header is not printable text.");
        var parsed = NpyHeader.Parse(header, name);
        var type = NpyType.Parse(parsed.Descr)
            ?? throw new InvalidDataException(
                $"{name}: dtype '{parsed.Descr}' is not supported (float32, float64 or uint8, either byte order), "
                    + $"header: {header.Trim()}"
            );
        if (parsed.FortranOrder)
            throw new InvalidDataException($"{name}: Fortran-ordered arrays are not supported.");
        var shape = new int[parsed.Shape.Length];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (parsed.Shape[i] > int.MaxValue)
                throw new InvalidDataException(
                    $"{name}: shape ({string.Join(", ", parsed.Shape)}) holds more than the {maxValues} values allowed."
                );
            shape[i] = (int)parsed.Shape[i];
            count = Math.Min(count * shape[i], long.MaxValue / int.MaxValue); // saturates instead of overflowing
        }
        if (count > maxValues)
            throw new InvalidDataException(
                $"{name}: shape ({string.Join(", ", shape)}) holds more than the {maxValues} values allowed."
            );
        if (stream.CanSeek && stream.Length - stream.Position != type.Size * count)
            throw new InvalidDataException(
                $"{name}: shape ({string.Join(", ", shape)}) needs {type.Size * count} data bytes, the file has "
                    + $"{stream.Length - stream.Position}."
            );
        return (type, shape, count);
    }

    private static NpyArray ReadChecked(Stream stream, string name, long maxValues)
    {
        var (type, shape, count) = ReadHeader(stream, name, maxValues);
        var data = new float[count];
        if (type.IsNativeFloat32)
            stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
        else
            type.Convert(stream, data);
        int bad = FeatureInversion.Imaging.FiniteValues.IndexOfNonFinite(data);
        if (bad >= 0)
            throw new InvalidDataException(
                $"{name}: value {bad} is {data[bad]}{(type.Kind == 'f' && type.Size == 8 ? " as float32" : "")} (NaN "
                    + $"and infinite values are refused)."
            );
        return new NpyArray(data, shape, type.Name);
    }
}
