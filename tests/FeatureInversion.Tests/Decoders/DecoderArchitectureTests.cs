using static TorchSharp.torch;

namespace FeatureInversion.Tests.Decoders;

/// <summary>
/// The decoders against the paper's supplementary Tables 3–7, row by row (Layer, Input, InSize, K, S, OutSize as
/// printed there, at 256×256 and width 1; "input" stands for the representation, fully connected rows have no K, S).
/// </summary>
public class DecoderArchitectureTests
{
    [Fact]
    public void HogDecoderIsTable3()
    {
        var spec = DecoderArchitecture.For(TestData.Representation("hog"), 256, 1.0);
        Assert.Equal(new FeatureShape(31, 32, 32), spec.Input);
        AssertRows(
            spec,
            "convA1 input 32×32×31 5 2 16×16×256",
            "convA2 convA1 16×16×256 5 2 8×8×512",
            "convA3 convA2 8×8×512 3 2 4×4×1024",
            "upconvA1 convA3 4×4×1024 4 2 8×8×512",
            "upconvA2 upconvA1 8×8×512 4 2 16×16×256",
            "upconvA3 upconvA2 16×16×256 4 2 32×32×128",
            "convB1 input 32×32×31 5 1 32×32×128",
            "convB2 convB1 32×32×128 3 1 32×32×128",
            "convJ1 {upconvA3, convB2} 32×32×256 3 1 32×32×256",
            "convJ2 convJ1 32×32×256 3 1 32×32×128",
            "upconvJ4 convJ2 32×32×128 4 2 64×64×64",
            "upconvJ5 upconvJ4 64×64×64 4 2 128×128×32",
            "upconvJ6 upconvJ5 128×128×32 4 2 256×256×3"
        );
    }

    [Fact]
    public void SiftDecoderIsTable4()
    {
        var spec = DecoderArchitecture.For(TestData.Representation("sift-grid"), 256, 1.0);
        Assert.Equal(new FeatureShape(133, 64, 64), spec.Input);
        AssertRows(
            spec,
            "conv1 input 64×64×133 5 2 32×32×256",
            "conv2 conv1 32×32×256 3 2 16×16×512",
            "conv3 conv2 16×16×512 3 2 8×8×1024",
            "conv4 conv3 8×8×1024 3 2 4×4×2048",
            "conv5 conv4 4×4×2048 3 1 4×4×2048",
            "conv6 conv5 4×4×2048 3 1 4×4×1024",
            "upconv1 conv6 4×4×1024 4 2 8×8×512",
            "upconv2 upconv1 8×8×512 4 2 16×16×256",
            "upconv3 upconv2 16×16×256 4 2 32×32×128",
            "upconv4 upconv3 32×32×128 4 2 64×64×64",
            "upconv5 upconv4 64×64×64 4 2 128×128×32",
            "upconv6 upconv5 128×128×32 4 2 256×256×3"
        );
    }

    [Fact]
    public void LbpDecoderIsTable5()
    {
        var spec = DecoderArchitecture.For(TestData.Representation("lbp"), 256, 1.0);
        Assert.Equal(new FeatureShape(58, 16, 16), spec.Input);
        AssertRows(
            spec,
            "convA1 input 16×16×58 5 2 8×8×256",
            "convA2 convA1 8×8×256 5 2 4×4×512",
            "convA3 convA2 4×4×512 3 1 4×4×1024",
            "upconvA1 convA3 4×4×1024 4 2 8×8×512",
            "upconvA2 upconvA1 8×8×512 4 2 16×16×256",
            "convB1 input 16×16×58 5 1 16×16×128",
            "convB2 convB1 16×16×128 3 1 16×16×128",
            "convJ1 {upconvA2, convB2} 16×16×384 3 1 16×16×256",
            "convJ2 convJ1 16×16×256 3 1 16×16×128",
            "upconvJ3 convJ2 16×16×128 4 2 32×32×128",
            "upconvJ4 upconvJ3 32×32×128 4 2 64×64×64",
            "upconvJ5 upconvJ4 64×64×64 4 2 128×128×32",
            "upconvJ6 upconvJ5 128×128×32 4 2 256×256×3"
        );
    }

    [Fact]
    public void Conv5DecoderIsTable6()
    {
        // AlexNet CONV5 (after pooling) is 6×6×256; the paper's decoder ends at 192×192.
        var spec = DecoderArchitecture.Build(
            Fake("alexnet-conv5", DecoderLayout.CnnConvolutional, new FeatureShape(256, 6, 6)),
            192,
            1.0
        );
        AssertRows(
            spec,
            "conv1 input 6×6×256 3 1 6×6×256",
            "conv2 conv1 6×6×256 3 1 6×6×256",
            "conv3 conv2 6×6×256 3 1 6×6×256",
            "upconv1 conv3 6×6×256 5 2 12×12×256",
            "upconv2 upconv1 12×12×256 5 2 24×24×128",
            "upconv3 upconv2 24×24×128 5 2 48×48×64",
            "upconv4 upconv3 48×48×64 5 2 96×96×32",
            "upconv5 upconv4 96×96×32 5 2 192×192×3"
        );
    }

    [Fact]
    public void Fc8DecoderIsTable7()
    {
        var spec = DecoderArchitecture.Build(
            Fake("alexnet-fc8", DecoderLayout.CnnVector, new FeatureShape(1000, 1, 1)),
            128,
            1.0
        );
        AssertRows(
            spec,
            "fc1 input 1000 - - 4096",
            "fc2 fc1 4096 - - 4096",
            "fc3 fc2 4096 - - 4×4×256", // the table's separate "reshape" row
            "upconv1 fc3 4×4×256 5 2 8×8×256",
            "upconv2 upconv1 8×8×256 5 2 16×16×128",
            "upconv3 upconv2 16×16×128 5 2 32×32×64",
            "upconv4 upconv3 32×32×64 5 2 64×64×32",
            "upconv5 upconv4 64×64×32 5 2 128×128×3"
        );
    }

    [Theory]
    [InlineData("hog", 64, 0.25)]
    [InlineData("lbp", 64, 0.25)]
    [InlineData("sift-grid", 64, 0.25)]
    [InlineData("hog", 128, 0.125)]
    [InlineData("lbp", 128, 0.125)]
    [InlineData("resnet18-res3", 64, 0.25)]
    public void NetworksProduceImagesOfTheSpecifiedSizeWithTheSpecsParameterCount(
        string representation,
        int size,
        double width
    )
    {
        var spec = DecoderArchitecture.For(TestData.Representation(representation), size, width);
        using var network = new DecoderNetwork(spec);
        using var scope = NewDisposeScope();
        var output = network.call(zeros(2, spec.Input.Channels, spec.Input.Rows, spec.Input.Cols));
        Assert.Equal(new long[] { 2, 3, size, size }, output.shape);
        Assert.Equal(spec.Parameters, network.ParameterCount);
    }

    [Fact]
    public void SmallerImagesKeepTheLayersAndWidthScalesHiddenChannelsOnly()
    {
        var full = DecoderArchitecture.For(TestData.Representation("lbp"), 256, 1.0);
        var small = DecoderArchitecture.For(TestData.Representation("lbp"), 64, 0.25);
        Assert.Equal(
            full.Layers.Select(l => (l.Name, l.Kernel, l.Stride)),
            small.Layers.Select(l => (l.Name, l.Kernel, l.Stride))
        );
        Assert.Equal(
            full.Layers.SkipLast(1).Select(l => l.OutChannels / 4),
            small.Layers.SkipLast(1).Select(l => l.OutChannels)
        );
        Assert.Equal(3, small.Output.OutChannels);
        Assert.Equal((4, 2), (small.Input.Rows, small.Layers[0].OutSize));
    }

    [Fact]
    public void TableListsEveryLayerAndTheParameterCount()
    {
        var spec = DecoderArchitecture.For(TestData.Representation("sift-grid"), 64, 0.25);
        string table = spec.Table();
        Assert.Contains("Table 4", table);
        Assert.All(spec.Layers, l => Assert.Contains(l.Name, table));
        Assert.Contains($"{spec.Parameters:N0} parameters", table);
    }

    [Fact]
    public void RefusesUnsupportedSizesAndRepresentations()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            DecoderArchitecture.For(TestData.Representation("hog"), 100, 1)
        );
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            DecoderArchitecture.For(TestData.Representation("hog"), 64, 0)
        );
        Assert.Throws<ArgumentException>(() => DecoderArchitecture.For(TestData.Representation("surf"), 64, 1));
        var e = Assert.Throws<ArgumentException>(() =>
            DecoderArchitecture.Build(Fake("odd", DecoderLayout.CnnConvolutional, new FeatureShape(8, 7, 7)), 64, 1)
        );
        Assert.Contains("power-of-two", e.Message);
    }

    private static void AssertRows(DecoderSpec spec, params string[] paperRows)
    {
        Assert.Equal(
            paperRows,
            spec.Layers.Select(l =>
                $"{l.Name} {l.InputLabel} {l.InShape} {(l.Kind == LayerKind.Fc ? "- -" : $"{l.Kernel} {l.Stride}")} "
                + $"{l.OutShape}"
            )
        );
        Assert.All(spec.Layers.SkipLast(1), l => Assert.True(l.Activation)); // leaky ReLU after every layer …
        Assert.False(spec.Output.Activation); // … but the output
    }

    private static RepresentationDescriptor Fake(string name, DecoderLayout layout, FeatureShape shape) =>
        new(name, "test shape", RepresentationKind.CnnLayer, layout, () => new FixedShape(name, shape));

    private sealed class FixedShape(string name, FeatureShape shape) : IFeatureRepresentation
    {
        public string Name => name;
        public IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

        public FeatureShape OutputShape(int width, int height) => shape;

        public void Extract(GrayImage image, Span<float> output) => output.Clear();
    }
}
