using FeatureInversion.Decoders;
using static TorchSharp.torch;

namespace FeatureInversion.Tests.Decoders;

public class DecoderArchitectureTests
{
    /// <summary>Full-size (256×256, width 1) layer shapes as listed in docs/decoders.md.</summary>
    [Fact]
    public void FullSizeHogDecoderHasTheDocumentedShapes()
    {
        var spec = DecoderArchitecture.For(TestData.Representation("hog"), 256, 1.0);
        Assert.Equal(new FeatureInversion.Features.FeatureShape(31, 32, 32), spec.Input);
        string[] expected =
        [
            "convA1 input 32x32x31 k5 s2 -> 16x16x256",
            "convA2 convA1 16x16x256 k5 s2 -> 8x8x512",
            "convA3 convA2 8x8x512 k3 s2 -> 4x4x1024",
            "upconvA1 convA3 4x4x1024 k4 s2 -> 8x8x512",
            "upconvA2 upconvA1 8x8x512 k4 s2 -> 16x16x256",
            "upconvA3 upconvA2 16x16x256 k4 s2 -> 32x32x128",
            "convB1 input 32x32x31 k5 s1 -> 32x32x128",
            "convB2 convB1 32x32x128 k3 s1 -> 32x32x128",
            "convJ1 upconvA3+convB2 32x32x256 k3 s1 -> 32x32x256",
            "convJ2 convJ1 32x32x256 k3 s1 -> 32x32x128",
            "upconvJ1 convJ2 32x32x128 k4 s2 -> 64x64x64",
            "upconvJ2 upconvJ1 64x64x64 k4 s2 -> 128x128x32",
            "upconvJ3 upconvJ2 128x128x32 k4 s2 -> 256x256x3",
        ];
        Assert.Equal(expected, spec.Layers.Select(Describe));
        Assert.All(spec.Layers.SkipLast(1), l => Assert.True(l.Activation));
        Assert.False(spec.Output.Activation);
    }

    [Fact]
    public void FullSizeLbpAndSiftDecodersGoThroughFourByFour()
    {
        var lbp = DecoderArchitecture.For(TestData.Representation("lbp"), 256, 1.0);
        Assert.Equal(new FeatureInversion.Features.FeatureShape(58, 16, 16), lbp.Input);
        Assert.Equal(
            ["conv1 input 16x16x58 k5 s2 -> 8x8x256", "conv2 conv1 8x8x256 k3 s2 -> 4x4x512", "conv3 conv2 4x4x512 k3 s1 -> 4x4x1024",
             "upconv1 conv3 4x4x1024 k4 s2 -> 8x8x512", "upconv2 upconv1 8x8x512 k4 s2 -> 16x16x256", "upconv3 upconv2 16x16x256 k4 s2 -> 32x32x128",
             "upconv4 upconv3 32x32x128 k4 s2 -> 64x64x64", "upconv5 upconv4 64x64x64 k4 s2 -> 128x128x32", "upconv6 upconv5 128x128x32 k4 s2 -> 256x256x3"],
            lbp.Layers.Select(Describe));

        var sift = DecoderArchitecture.For(TestData.Representation("sift-grid"), 256, 1.0);
        Assert.Equal(new FeatureInversion.Features.FeatureShape(133, 64, 64), sift.Input);
        Assert.Equal("conv4 conv3 8x8x1024 k3 s2 -> 4x4x1024", Describe(sift.Layers[3]));
        Assert.Equal("upconv6 upconv5 128x128x32 k4 s2 -> 256x256x3", Describe(sift.Output));
    }

    [Theory]
    [InlineData("hog", 64, 0.25)]
    [InlineData("lbp", 64, 0.25)]
    [InlineData("sift-grid", 64, 0.25)]
    [InlineData("hog", 128, 0.125)]
    [InlineData("lbp", 128, 0.125)]
    public void NetworksProduceImagesOfTheSpecifiedSize(string representation, int size, double width)
    {
        var spec = DecoderArchitecture.For(TestData.Representation(representation), size, width);
        using var network = new DecoderNetwork(spec);
        using var scope = NewDisposeScope();
        var output = network.call(zeros(2, spec.Input.Channels, spec.Input.Rows, spec.Input.Cols));
        Assert.Equal(new long[] { 2, 3, size, size }, output.shape);
        Assert.Equal(spec.Layers.Sum(l => (long)l.InChannels * l.OutChannels * l.Kernel * l.Kernel + l.OutChannels), network.ParameterCount);
    }

    [Fact]
    public void RefusesUnsupportedSizesAndRepresentations()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DecoderArchitecture.For(TestData.Representation("hog"), 100, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => DecoderArchitecture.For(TestData.Representation("hog"), 64, 0));
        Assert.Throws<ArgumentException>(() => DecoderArchitecture.For(TestData.Representation("surf"), 64, 1));
    }

    private static string Describe(LayerSpec l) =>
        $"{l.Name} {string.Join("+", l.Inputs)} {l.InSize}x{l.InSize}x{l.InChannels} k{l.Kernel} s{l.Stride} -> {l.OutSize}x{l.OutSize}x{l.OutChannels}";
}
