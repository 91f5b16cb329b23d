using static TorchSharp.torch;

namespace FeatureInversion.Tests.Onnx;

public class ResNet18RepresentationTests
{
    [Theory]
    [InlineData(64)]
    [InlineData(224)]
    public void EveryLayerHasItsDeclaredShapeAndMatchesTheNetworkRunDirectly(int size)
    {
        var image = FeatureInversion
            .Imaging.ImageFiles.CenterSquare(TestData.LoadPhoto("coffee-480x320.jpg"), size)
            .ToGray();
        using var net = new OnnxNetwork(OnnxGraph.Load(TestData.ResNet18.Model));
        foreach (
            var name in TestData
                .Representations.All.Where(d => d.Kind == RepresentationKind.CnnLayer)
                .Select(d => d.Name)
        )
        {
            var rep = TestData.Representations.Create(name);
            var map = rep.Extract(image);
            Assert.Equal(rep.OutputShape(size, size).Length, map.Data.Length);
            Assert.All(map.Data, v => Assert.True(float.IsFinite(v)));
            Assert.Contains(map.Data, v => v != 0);
        }
        // pool5 at 224 is the model's own output, and equals the global mean of res5 (what it is elsewhere).
        if (size == 224)
        {
            var pool5 = TestData.Representations.Create("resnet18-pool5").Extract(image).Data;
            var res5 = TestData.Representations.Create("resnet18-res5").Extract(image);
            for (int c = 0; c < 512; c++)
                // a tolerance, not decimal rounding (which flips at .xxx5)
                Assert.Equal(res5.Channel(c).ToArray().Average(), pool5[c], 1e-4);
        }
    }

    [Fact]
    public void UnknownLayersAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => TestData.Representations.Create("resnet18-fc9"));
        Assert.Contains("res5", e.Message);
    }

    [Theory]
    [InlineData("resnet18-conv1", 64, 1)]
    [InlineData("resnet18-res3", 64, 3)]
    [InlineData("resnet18-res5", 64, 5)]
    [InlineData("resnet18-res4", 256, 4)]
    public void ConvolutionalLayerDecodersAreThreeConvolutionsThenUpConvolutions(
        string representation,
        int size,
        int upconvs
    )
    {
        var spec = DecoderArchitecture.For(TestData.Representation(representation), size, 1);
        Assert.Equal([LayerKind.Conv, LayerKind.Conv, LayerKind.Conv], spec.Layers.Take(3).Select(l => l.Kind));
        Assert.All(spec.Layers.Take(3), l => Assert.Equal((3, 1, 256), (l.Kernel, l.Stride, l.OutChannels)));
        Assert.Equal(upconvs, spec.Layers.Skip(3).Count()); // log2(image size / map size)
        Assert.All(spec.Layers.Skip(3), l => Assert.Equal(LayerKind.UpConv, l.Kind));
        Assert.Equal((size, 3), (spec.Output.OutSize, spec.Output.OutChannels));
    }

    [Fact]
    public void TheVectorLayerDecoderIsThreeFullyConnectedLayersReshapedTo4x4x256ThenUpConvolutions()
    {
        var spec = DecoderArchitecture.For(TestData.Representation("resnet18-pool5"), 256, 1);
        Assert.Equal([LayerKind.Fc, LayerKind.Fc, LayerKind.Fc], spec.Layers.Take(3).Select(l => l.Kind));
        Assert.Equal((512, 4096), (spec.Layers[0].InChannels, spec.Layers[0].OutChannels));
        Assert.Equal((256, 4), (spec.Layers[2].OutChannels, spec.Layers[2].OutSize));
        Assert.Equal(6, spec.Layers.Count(l => l.Kind == LayerKind.UpConv)); // 4 -> 256
        using var network = new DecoderNetwork(
            DecoderArchitecture.For(TestData.Representation("resnet18-pool5"), 64, 0.25)
        );
        using var scope = NewDisposeScope();
        Assert.Equal([2L, 3, 64, 64], network.call(randn(2, 512, 1, 1)).shape);
    }
}
