using FeatureInversion.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Tests.Decoders;

/// <summary>
/// Moving a network to another device or dtype goes through TorchSharp's <c>Module._toEpilog</c> (the parameters
/// re-registered by name), which a CPU process otherwise never reaches: <c>to(CPU)</c> on the CPU returns early. A
/// dtype change takes the same path, so these tests stand in for <c>to(CUDA)</c> on a machine without a GPU. With
/// TorchSharp's <c>ModuleDict</c> inside, the decoder threw "An item with the same key has already been added. Key:
/// Item" there (docs/gpu.md).
/// </summary>
[Collection(nameof(TorchRandomCollection))]
public class ModuleMoveTests
{
    [Theory]
    [InlineData("hog", 64, 0.25)]
    [InlineData("sift-grid", 64, 0.25)]
    [InlineData("lbp", 64, 0.25)]
    [InlineData("resnet18-pool5", 64, 0.25)]
    public void DecodersSurviveARoundTripThroughAnotherDtypeWithTheSameOutput(string name, int size, double width)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(7);
        var spec = DecoderArchitecture.For(TestData.Representations.Get(name), size, width);
        using var network = new DecoderNetwork(spec);
        network.eval();
        var input = randn(2, spec.Input.Channels, spec.Input.Rows, spec.Input.Cols);
        var names = network.named_parameters().Select(p => p.name).ToList();
        Tensor before;
        using (no_grad())
            before = network.call(input);

        network.to(ScalarType.Float64);
        Assert.All(network.parameters(), p => Assert.Equal(ScalarType.Float64, p.dtype));
        Tensor wide;
        using (no_grad())
            wide = network.call(input.to(ScalarType.Float64));
        network.to(ScalarType.Float32);
        Tensor after;
        using (no_grad())
            after = network.call(input);

        // the same parameters under the same names (checkpoint keys), and the same function
        Assert.Equal(names, network.named_parameters().Select(p => p.name).ToList());
        Assert.Equal(0, (after - before).abs().max().item<float>());
        Assert.True((wide.to(ScalarType.Float32) - before).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void TheResNet18EncoderSurvivesARoundTripThroughAnotherDtype()
    {
        using var scope = NewDisposeScope();
        using var network = new OnnxNetwork(OnnxGraph.Load(TestData.ResNet18.Model));
        network.eval();
        random.manual_seed(3);
        var input = rand(1, 3, 224, 224); // the graph ends in a 7 × 7 average pool
        Tensor before;
        using (no_grad())
            before = network.call(input);
        network.to(ScalarType.Float64);
        network.to(ScalarType.Float32);
        Tensor after;
        using (no_grad())
            after = network.call(input);
        Assert.Equal(0, (after - before).abs().max().item<float>());
    }
}
