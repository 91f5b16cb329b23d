using System.Text;
using FeatureInversion.IO;

namespace FeatureInversion.Tests.IO;

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
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }          \n";
        var bytes = new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0 }
            .Concat(Encoding.ASCII.GetBytes(header)).Concat(new byte[8]).ToArray();
        var e = Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream(bytes)));
        Assert.Contains("float32", e.Message);
    }
}
