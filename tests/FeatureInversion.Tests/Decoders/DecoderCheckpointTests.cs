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
    public void RecordingAnEvaluationKeepsWeightsTrainingAndDigest()
    {
        using var network = NewNetwork();
        var training = new TrainingRecord { Steps = 7, Seed = 1 };
        DecoderCheckpoint.Save(network, new DecoderManifest { Version = "test-4", Training = training }, _dir);
        var before = DecoderManifest.Read(_dir);
        var evaluation = new EvaluationRecord
        {
            Data = "10 crops (10 per photo) of 1 photos in test",
            TestImages = 10,
            NormalizedError = 0.5,
            CrossSourceError = 0.49,
            SameSourceError = 0.52,
        };
        DecoderCheckpoint.RecordEvaluation(_dir, evaluation);

        var (loaded, after) = DecoderCheckpoint.Load(_dir, TestData.Representations, "lbp");
        using (loaded)
        {
            Assert.Equal(0.49, after.Evaluation!.CrossSourceError);
            Assert.Equal(0.52, after.Evaluation.SameSourceError);
            Assert.Equal(before.WeightsSha256, after.WeightsSha256);
            Assert.Equal(before.Version, after.Version);
            Assert.Equal(7, after.Training!.Steps);
            Assert.False(File.Exists(Path.Combine(_dir, DecoderManifest.FileName + ".new")));
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
