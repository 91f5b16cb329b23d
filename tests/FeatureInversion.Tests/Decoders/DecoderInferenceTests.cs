using static TorchSharp.torch;

namespace FeatureInversion.Tests.Decoders;

/// <summary>The one inference path: batching does not change results, inputs are checked, outputs are images in [0,
/// 1].</summary>
public class DecoderInferenceTests
{
    [Fact]
    public void BatchSizeDoesNotChangeTheReconstructions()
    {
        random.manual_seed(5);
        using var network = new DecoderNetwork(DecoderArchitecture.For(TestData.Representation("hog"), 64, 0.125));
        var hog = TestData.Representations.Create("hog");
        var features = TestData
            .PhotoNames.Select(n => hog.Extract(ImageFiles.CenterSquare(TestData.LoadPhoto(n), 64)))
            .ToList();
        var one = DecoderInference.Decode(network, features, batchSize: 1);
        var all = DecoderInference.Decode(network, features, batchSize: 32);
        var uneven = DecoderInference.Decode(network, features, batchSize: 2);
        Assert.Equal(features.Count, all.Count);
        for (int i = 0; i < features.Count; i++)
        {
            Assert.Equal(64, all[i].Width);
            Assert.All(all[i].Planes, v => Assert.InRange(v, 0f, 1f));
            for (int k = 0; k < all[i].Planes.Length; k++)
            {
                Assert.Equal(all[i].Planes[k], one[i].Planes[k], 1e-5f);
                Assert.Equal(all[i].Planes[k], uneven[i].Planes[k], 1e-5f);
            }
        }
        Assert.Equal(128, DecoderInference.Decode(network, features[..1], outputSize: 128)[0].Width);
    }

    [Fact]
    public void FeaturesOfTheWrongShapeAreRefused()
    {
        using var network = new DecoderNetwork(DecoderArchitecture.For(TestData.Representation("lbp"), 64, 0.0625));
        var e = Assert.Throws<ArgumentException>(() =>
            DecoderInference.Decode(network, [new FeatureMap(new FeatureShape(31, 8, 8))])
        );
        Assert.Contains("lbp decoder takes", e.Message);
    }

    [WithoutGpuFact]
    public void AskingForCudaWithoutAGpuIsAnErrorNotASilentCpuRun()
    {
        Assert.Throws<DeviceUnavailableException>(() => TorchDevices.Resolve(DeviceChoice.Cuda));
        Assert.Equal(TorchSharp.DeviceType.CPU, TorchDevices.Resolve(DeviceChoice.Auto).type);
    }
}

/// <summary>A test of what happens without a GPU: skipped, and reported as skipped, where libtorch sees one.</summary>
public sealed class WithoutGpuFactAttribute : FactAttribute
{
    public WithoutGpuFactAttribute()
    {
        if (cuda.is_available())
            Skip = "libtorch sees a CUDA device: there is no missing GPU to refuse";
    }
}
