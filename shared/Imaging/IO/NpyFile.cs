using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace FeatureInversion.IO;

/// <summary>
/// NumPy <c>.npy</c> files (format version 1.0) holding little-endian float32 arrays in C order, the exchange
/// format for features and reconstructions (<c>numpy.load</c> reads them directly).
/// </summary>
public static partial class NpyFile
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static void Write(string path, ReadOnlySpan<float> data, params int[] shape)
    {
        using var stream = File.Create(path);
        Write(stream, data, shape);
    }

    public static void Write(Stream stream, ReadOnlySpan<float> data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = shape.Aggregate(1L, (a, d) => d < 0 ? throw new ArgumentException("Negative dimension.") : a * d);
        if (count != data.Length)
            throw new ArgumentException($"Shape ({string.Join(", ", shape)}) holds {count} values, data has {data.Length}.");

        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        // Pad with spaces so that magic (6) + version (2) + length (2) + header is a multiple of 64, ending in '\n'.
        int total = 10 + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        var header = Encoding.ASCII.GetBytes(dict + new string(' ', padded - total) + "\n");

        stream.Write(Magic);
        stream.Write([1, 0]);
        stream.Write([(byte)(header.Length & 0xff), (byte)(header.Length >> 8)]);
        stream.Write(header);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Big-endian hosts are not supported.");
        stream.Write(MemoryMarshal.AsBytes(data));
    }

    /// <summary>Reads a float32 C-order array; other dtypes or Fortran order are refused with a clear message.</summary>
    public static (float[] Data, int[] Shape) Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, Path.GetFileName(path));
    }

    public static (float[] Data, int[] Shape) Read(Stream stream, string name = "array")
    {
        Span<byte> prefix = stackalloc byte[10];
        stream.ReadExactly(prefix);
        if (!prefix[..6].SequenceEqual(Magic)) throw new InvalidDataException($"{name}: not a .npy file.");
        int major = prefix[6];
        int headerLength;
        if (major == 1)
        {
            headerLength = prefix[8] | (prefix[9] << 8);
        }
        else if (major is 2 or 3)
        {
            Span<byte> rest = stackalloc byte[2];
            stream.ReadExactly(rest);
            headerLength = prefix[8] | (prefix[9] << 8) | (rest[0] << 16) | (rest[1] << 24);
        }
        else
        {
            throw new InvalidDataException($"{name}: unsupported .npy version {major}.");
        }

        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        string header = Encoding.Latin1.GetString(headerBytes);
        var descr = DescrPattern().Match(header);
        if (!descr.Success || descr.Groups[1].Value is not ("<f4" or "f4"))
            throw new InvalidDataException($"{name}: only float32 ('<f4') arrays are supported, header: {header.Trim()}");
        if (FortranPattern().IsMatch(header))
            throw new InvalidDataException($"{name}: Fortran-ordered arrays are not supported.");
        var shapeMatch = ShapePattern().Match(header);
        if (!shapeMatch.Success) throw new InvalidDataException($"{name}: no shape in header.");
        var shape = shapeMatch.Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture))
            .ToArray();
        long count = shape.Aggregate(1L, (a, d) => a * d);
        var data = new float[checked((int)count)];
        stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
        return (data, shape);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*True")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
