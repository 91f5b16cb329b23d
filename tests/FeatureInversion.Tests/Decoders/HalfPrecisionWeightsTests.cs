using static TorchSharp.torch;

namespace FeatureInversion.Tests.Decoders;

/// <summary>Checkpoints that travel back from a GPU machine: half precision in parts of a bounded size, read back
/// within half precision's rounding, refused when a part is missing or altered, and resumed by training.</summary>
public sealed class HalfPrecisionWeightsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fi-half-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static DecoderNetwork NewNetwork(int seed)
    {
        random.manual_seed(seed);
        return new DecoderNetwork(DecoderArchitecture.For(TestData.Representation("lbp"), 64, 0.125));
    }

    private static float[] Weights(DecoderNetwork network) =>
        [.. network.state_dict().Values.SelectMany(t => t.detach().to(ScalarType.Float32).data<float>().ToArray())];

    [Fact]
    public void SavedInPartsAndLoadedBackWithinHalfPrecisionsRounding()
    {
        using var network = NewNetwork(3);
        const long part = 64 * 1024;
        DecoderCheckpoint.Save(network, new DecoderManifest { Version = "half-1" }, _dir, halfPartBytes: part);

        Assert.False(File.Exists(Path.Combine(_dir, DecoderManifest.WeightsFileName)));
        var parts = HalfPrecisionWeights.PartFiles(_dir);
        Assert.Equal((network.ParameterCount * 2 + part - 1) / part, parts.Count);
        Assert.All(parts, p => Assert.InRange(new FileInfo(p).Length, 1, part));
        Assert.Equal(network.ParameterCount * 2, parts.Sum(p => new FileInfo(p).Length));

        var (loaded, manifest) = DecoderCheckpoint.Load(_dir, TestData.Representations, "lbp");
        using (loaded)
        {
            Assert.Equal("half-1", manifest.Version);
            float[] a = Weights(network),
                b = Weights(loaded);
            Assert.Equal(a.Length, b.Length);
            for (int i = 0; i < a.Length; i++)
                Assert.True(
                    Math.Abs(a[i] - b[i]) <= Math.Abs(a[i]) * Math.Pow(2, -11) + 3e-8, // + half a subnormal step
                    $"weight {i}: {a[i]} came back as {b[i]}"
                );
            Assert.Contains(a.Zip(b), p => p.First != p.Second); // rounded, not copied
        }

        // Saved again in full precision, the parts go: a folder holds one form.
        DecoderCheckpoint.Save(network, new DecoderManifest { Version = "half-2" }, _dir);
        Assert.False(HalfPrecisionWeights.Exists(_dir));
        Assert.Empty(Directory.GetFiles(_dir, "weights-f16.*"));
    }

    [Fact]
    public void AMissingOrAlteredPartIsRefused()
    {
        using var network = NewNetwork(4);
        DecoderCheckpoint.Save(network, new DecoderManifest { Version = "half-3" }, _dir, halfPartBytes: 100_000);
        string second = HalfPrecisionWeights.PartFiles(_dir)[1];
        var bytes = File.ReadAllBytes(second);
        bytes[1234] ^= 0x10;
        File.WriteAllBytes(second, bytes);
        var altered = Assert.Throws<InvalidDataException>(() => DecoderCheckpoint.Load(_dir, TestData.Representations));
        Assert.Contains("weights-f16.001", altered.Message);
        Assert.Contains("SHA-256 differs", altered.Message);

        File.Delete(second);
        var missing = Assert.Throws<FileNotFoundException>(() =>
            DecoderCheckpoint.Load(_dir, TestData.Representations)
        );
        Assert.Contains("part weights-f16.001", missing.Message);
    }

    [Fact]
    public void AWeightBeyondHalfPrecisionIsRefusedNotSavedAsInfinity()
    {
        using var network = NewNetwork(5);
        using (no_grad())
            network.parameters().First().view(-1)[0].fill_(1e5f);
        var e = Assert.Throws<InvalidDataException>(() => HalfPrecisionWeights.Save(network, _dir, 1 << 20));
        Assert.Contains("beyond half precision's range", e.Message);
        Assert.False(HalfPrecisionWeights.Exists(_dir));
    }

    [Fact]
    public void AnotherNetworksWeightsAreRefused()
    {
        using var network = NewNetwork(6);
        HalfPrecisionWeights.Save(network, _dir, 1 << 20);
        random.manual_seed(6);
        using var wider = new DecoderNetwork(DecoderArchitecture.For(TestData.Representation("lbp"), 64, 0.25));
        var e = Assert.Throws<InvalidDataException>(() => HalfPrecisionWeights.Load(wider, _dir));
        Assert.Contains("in the weights", e.Message);
    }

    [Fact]
    public void TrainingSavesHalfPrecisionPartsAndResumesFromThem()
    {
        string output = Path.Combine(_dir, "run");
        TrainingJobOptions Options(int steps, bool resume) =>
            TestData.TinyHogJob(output, steps, resume: resume, halfPartBytes: resume ? 0 : 50_000);
        TrainingJob.Run(Options(4, resume: false), TestData.Representations);
        Assert.True(HalfPrecisionWeights.PartFiles(output).Count > 1);
        Assert.False(File.Exists(Path.Combine(output, DecoderManifest.WeightsFileName)));

        var log = new StringWriter();
        var done = TrainingJob.Run(Options(6, resume: true), TestData.Representations, log: log);
        Assert.Contains("resuming from", log.ToString());
        Assert.Equal(6, done.Training!.Steps);
        Assert.True(File.Exists(Path.Combine(output, DecoderManifest.WeightsFileName))); // full precision again
        Assert.False(HalfPrecisionWeights.Exists(output));
    }
}
