using System.Text;
using FeatureInversion.Imaging.IO;

namespace FeatureInversion.Tests.Imaging.IO;

public class NpyFileTests
{
    [Fact]
    public void WritesNumpyVersion1HeaderAlignedTo64Bytes()
    {
        using var stream = new MemoryStream();
        NpyFile.Write(stream, [1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var bytes = stream.ToArray();
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        int headerLength = bytes[8] | (bytes[9] << 8);
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header);
        Assert.EndsWith("\n", header);
        Assert.Equal(10 + headerLength + 24, bytes.Length);
        Assert.Equal(6f, BitConverter.ToSingle(bytes, bytes.Length - 4));
    }

    [Fact]
    public void RoundTripsDataAndShapeIncludingOneDimensional()
    {
        foreach (var shape in new[] { new[] { 5 }, new[] { 1, 5 }, new[] { 5, 1, 1 } })
        {
            using var stream = new MemoryStream();
            NpyFile.Write(stream, [0.5f, -1f, 3f, float.Epsilon, 1e30f], shape);
            stream.Position = 0;
            var (data, back) = NpyFile.Read(stream);
            Assert.Equal(shape, back);
            Assert.Equal(new[] { 0.5f, -1f, 3f, float.Epsilon, 1e30f }, data);
        }
    }

    [Fact]
    public void RefusesMismatchedShapesAndOtherDtypes()
    {
        Assert.Throws<ArgumentException>(() => NpyFile.Write(new MemoryStream(), [1f, 2f], 3));
        var e = Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream(Npy("<i8", new byte[8]))));
        Assert.Contains("dtype '<i8' is not supported", e.Message);
        Assert.Contains(
            "not supported",
            Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream(Npy("|f4", new byte[4])))).Message
        );
    }

    /// <summary>What other tools save: numpy's default float64, big-endian arrays, uint8 descriptors; converted, and
    /// said so.</summary>
    [Theory]
    [InlineData("<f8", "float64 converted to float32")]
    [InlineData(">f8", "float64 big-endian converted to float32")]
    [InlineData(">f4", "float32 big-endian converted to float32")]
    [InlineData("|u1", "uint8 converted to float32")]
    [InlineData("<f4", null)]
    public void ReadsOtherFloatTypesAndUint8AsFloat32WithANote(string descr, string? note)
    {
        double[] values = [0, 1.5, -2.25, 255, 3e-5];
        if (descr == "|u1")
            values = [0, 1, 128, 255, 7];
        var data = new List<byte>();
        foreach (var v in values)
        {
            byte[] b = descr[1..] switch
            {
                "f8" => BitConverter.GetBytes(v),
                "f4" => BitConverter.GetBytes((float)v),
                _ => [(byte)v],
            };
            if (descr[0] == '>')
                Array.Reverse(b);
            data.AddRange(b);
        }
        var array = NpyFile.Load(new MemoryStream(Npy(descr, [.. data], values.Length)));
        Assert.Equal(note, array.Conversion);
        Assert.Equal(values.Select(v => (float)v), array.Data);
        Assert.Equal([values.Length], array.Shape);
    }

    [Fact]
    public void AFloat64BeyondFloat32sRangeIsRefusedAsInfinite()
    {
        var e = Assert.Throws<InvalidDataException>(() =>
            NpyFile.Read(new MemoryStream(Npy("<f8", BitConverter.GetBytes(1e300))))
        );
        Assert.Contains("value 0 is", e.Message);
        Assert.Contains("as float32 (NaN and infinite values are refused)", e.Message);
    }

    private static byte[] Npy(string descr, byte[] data, int count = 1)
    {
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({count},), }}          \n";
        return
        [
            0x93,
            (byte)'N',
            (byte)'U',
            (byte)'M',
            (byte)'P',
            (byte)'Y',
            1,
            0,
            (byte)header.Length,
            0,
            .. Encoding.ASCII.GetBytes(header),
            .. data,
        ];
    }
}
