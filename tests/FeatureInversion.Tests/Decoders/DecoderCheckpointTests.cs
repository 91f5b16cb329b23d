using static TorchSharp.torch;

namespace FeatureInversion.Tests.Decoders;

public sealed class DecoderCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fi-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static DecoderNetwork NewNetwork(string representation = "lbp")
    {
        random.manual_seed(3);
        return new DecoderNetwork(DecoderArchitecture.For(TestData.Representation(representation), 64, 0.125));
    }

    [Fact]
    public void RoundTripGivesIdenticalOutputs()
    {
        using var network = NewNetwork();
        DecoderCheckpoint.Save(network, new DecoderManifest { Version = "test-1" }, _dir);
        var (loaded, manifest) = DecoderCheckpoint.Load(_dir, TestData.Representations, "lbp");
        using (loaded)
        {
            Assert.Equal("test-1", manifest.Version);
            Assert.Equal(64, manifest.ImageSize);
            Assert.Equal(network.ParameterCount, manifest.Parameters);
            Assert.Equal("16", manifest.RepresentationSettings["cellSize"]);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            network.eval();
            var input = randn(3, 58, 4, 4);
            var a = network.call(input).data<float>().ToArray();
            var b = loaded.call(input).data<float>().ToArray();
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public void RefusesAManifestForAnotherRepresentation()
    {
        using var network = NewNetwork();
        DecoderCheckpoint.Save(network, new DecoderManifest { Version = "test-2" }, _dir);
        var e = Assert.Throws<InvalidDataException>(() =>
            DecoderCheckpoint.Load(_dir, TestData.Representations, "hog")
        );
        Assert.Contains("inverts 'lbp', not 'hog'", e.Message);
    }

    [Fact]
    public void RefusesDifferentFeatureSettingsAndTamperedWeights()
    {
        using var network = NewNetwork();
        DecoderCheckpoint.Save(network, new DecoderManifest { Version = "test-3" }, _dir);
        string manifestPath = Path.Combine(_dir, DecoderManifest.FileName);
        string original = File.ReadAllText(manifestPath);

        File.WriteAllText(manifestPath, original.Replace("\"cellSize\": \"16\"", "\"cellSize\": \"8\""));
        Assert.Contains(
            "cellSize=8",
            Assert
                .Throws<InvalidDataException>(() => DecoderCheckpoint.Load(_dir, TestData.Representations, "lbp"))
                .Message
        );

        File.WriteAllText(manifestPath, original);
        var weights = Path.Combine(_dir, DecoderManifest.WeightsFileName);
        var bytes = File.ReadAllBytes(weights);
        bytes[^1] ^= 0xff;
        File.WriteAllBytes(weights, bytes);
        Assert.Contains(
            "SHA-256",
            Assert
                .Throws<InvalidDataException>(() => DecoderCheckpoint.Load(_dir, TestData.Representations, "lbp"))
                .Message
        );

        Assert.Throws<FileNotFoundException>(() =>
            DecoderCheckpoint.Load(Path.Combine(_dir, "missing"), TestData.Representations, "lbp")
        );
    }
}
