using FeatureInversion.Features;

namespace FeatureInversion.Models;

public enum LayerKind
{
    /// <summary>Convolution, padding ⌊k/2⌋: stride 1 keeps the size, stride 2 halves it.</summary>
    Conv,
    /// <summary>Up-convolution (transposed convolution), kernel 4, stride 2, padding 1: doubles the size.</summary>
    UpConv,
    /// <summary>Fully connected on the flattened input; its output is reshaped to OutChannels × OutSize × OutSize.</summary>
    Fc,
}

/// <summary>
/// One layer of a decoder: its inputs (earlier layers or "input"; several are concatenated along channels),
/// kernel and stride, and the shapes it maps between. Every layer but the last is followed by leaky ReLU 0.2.
/// </summary>
public sealed record LayerSpec(string Name, LayerKind Kind, IReadOnlyList<string> Inputs, int InChannels, int OutChannels,
    int Kernel, int Stride, int InSize, int OutSize, bool Activation)
{
    public override string ToString() =>
        $"{Name,-9} {string.Join("+", Inputs),-18} {InSize}x{InSize}x{InChannels,-5} k{Kernel} s{Stride} -> {OutSize}x{OutSize}x{OutChannels}";
}

/// <summary>The layers of a decoder for one representation, image size and width.</summary>
public sealed record DecoderSpec(RepresentationDescriptor Representation, int ImageSize, double Width, FeatureShape Input, IReadOnlyList<LayerSpec> Layers)
{
    public LayerSpec Output => Layers[^1];
}

/// <summary>
/// Decoder architectures after Dosovitskiy &amp; Brox (CVPR 2016, supplementary Tables 3–5): strided convolutions
/// gather context from the feature map, up-convolutions (kernel 4, stride 2) expand to the image, leaky ReLU 0.2
/// after every layer except the linear output.
/// </summary>
/// <remarks>
/// <para>HOG (two streams joined): stream A downsamples the 31-channel cell map three times (5×5 s2, 5×5 s2,
/// 3×3 s2) and comes back with three up-convolutions; stream B keeps the cell resolution (5×5, 3×3); the join J
/// concatenates both, applies two 3×3 convolutions and three up-convolutions to the image (cell size 8 = 2³).</para>
/// <para>LBP and SIFT: strided convolutions down to 1/64 of the image side (4×4 at 256×256), one 3×3 convolution
/// there, then six up-convolutions to the image.</para>
/// <para>Channel counts are those of the full networks at width 1 (256 to 1024 in the encoders, halving in each
/// up-convolution down to 32 and the 3 output channels) and scale with <c>width</c> (¼ for CPU training); the
/// image size (64, 128, 256) sets the spatial sizes. The layer shapes were derived from the paper's description;
/// the supplementary tables' text could not be consulted where this was written, so they are documented here and
/// in docs/decoders.md rather than claimed identical.</para>
/// </remarks>
public static class DecoderArchitecture
{
    public static IReadOnlyList<int> ImageSizes { get; } = [64, 128, 256];

    /// <summary>The decoder for a representation at an image size and channel width, by the representation's layout.</summary>
    public static DecoderSpec For(RepresentationDescriptor representation, int imageSize, double width)
    {
        ArgumentNullException.ThrowIfNull(representation);
        if (!ImageSizes.Contains(imageSize))
            throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, $"Image size must be one of {string.Join(", ", ImageSizes)}.");
        if (width is <= 0 or > 4) throw new ArgumentOutOfRangeException(nameof(width), width, "Width multiplier must be in (0, 4].");
        var input = representation.OutputShape(imageSize, imageSize);
        var b = new Builder(input, width);
        switch (representation.Decoder)
        {
            case DecoderLayout.Hog:
                b.Conv("convA1", ["input"], 256, 5, 2);
                b.Conv("convA2", ["convA1"], 512, 5, 2);
                b.Conv("convA3", ["convA2"], 1024, 3, 2);
                b.UpConv("upconvA1", ["convA3"], 512);
                b.UpConv("upconvA2", ["upconvA1"], 256);
                b.UpConv("upconvA3", ["upconvA2"], 128);
                b.Conv("convB1", ["input"], 128, 5, 1);
                b.Conv("convB2", ["convB1"], 128, 3, 1);
                b.Conv("convJ1", ["upconvA3", "convB2"], 256, 3, 1);
                b.Conv("convJ2", ["convJ1"], 128, 3, 1);
                b.UpConv("upconvJ1", ["convJ2"], 64);
                b.UpConv("upconvJ2", ["upconvJ1"], 32);
                b.UpConv("upconvJ3", ["upconvJ2"], 3, output: true);
                break;
            case DecoderLayout.Lbp:
                b.Conv("conv1", ["input"], 256, 5, 2);
                b.Conv("conv2", ["conv1"], 512, 3, 2);
                b.Conv("conv3", ["conv2"], 1024, 3, 1);
                b.UpChain("conv3", [512, 256, 128, 64, 32]);
                break;
            case DecoderLayout.Sift:
                b.Conv("conv1", ["input"], 256, 5, 2);
                b.Conv("conv2", ["conv1"], 512, 3, 2);
                b.Conv("conv3", ["conv2"], 1024, 3, 2);
                b.Conv("conv4", ["conv3"], 1024, 3, 2);
                b.Conv("conv5", ["conv4"], 1024, 3, 1);
                b.UpChain("conv5", [512, 256, 128, 64, 32]);
                break;
            case DecoderLayout.CnnVector:
                // Paper's Table 7 (vector layers): three fully connected layers, reshape to 4×4×256, up-convolutions.
                b.Fc("fc1", "input", 4096, 1);
                b.Fc("fc2", "fc1", 4096, 1);
                b.Fc("fc3", "fc2", 256, 4);
                b.UpChain("fc3", HalvingChannels(256, imageSize / 4));
                break;
            case DecoderLayout.CnnConvolutional:
                // Paper's Table 6 (convolutional layers): three convolutions at the layer's resolution, then as many
                // up-convolutions as it takes to reach the image size.
                b.Conv("conv1", ["input"], 256, 3, 1);
                b.Conv("conv2", ["conv1"], 256, 3, 1);
                b.Conv("conv3", ["conv2"], 256, 3, 1);
                b.UpChain("conv3", HalvingChannels(256, imageSize / input.Rows));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(representation), representation.Decoder, $"No decoder table for layout {representation.Decoder}.");
        }
        var spec = new DecoderSpec(representation, imageSize, width, input, b.Layers);
        if (spec.Output.OutSize != imageSize || spec.Output.OutChannels != 3)
            throw new InvalidOperationException($"{representation} decoder ends at {spec.Output.OutSize}x{spec.Output.OutSize}x{spec.Output.OutChannels}, expected {imageSize}x{imageSize}x3.");
        return spec;
    }

    /// <summary>Channels of the hidden up-convolutions for an upsampling <paramref name="factor"/> (a power of two):
    /// halving from <paramref name="first"/>, at least 32; the output up-convolution is added by UpChain.</summary>
    private static int[] HalvingChannels(int first, int factor)
    {
        int steps = (int)Math.Round(Math.Log2(factor));
        if (steps < 1 || 1 << steps != factor) throw new ArgumentException($"Feature map must be smaller than the image by a power of two (factor {factor}).");
        return Enumerable.Range(0, steps - 1).Select(i => Math.Max(32, first >> (i + 1))).ToArray();
    }

    private sealed class Builder(FeatureShape input, double width)
    {
        private readonly Dictionary<string, (int Channels, int Size)> _shapes = new() { ["input"] = (input.Channels, input.Rows) };

        public List<LayerSpec> Layers { get; } = [];

        private int Scale(int channels) => Math.Max(1, (int)Math.Round(channels * width));

        private (int Channels, int Size) In(IReadOnlyList<string> inputs)
        {
            var shapes = inputs.Select(i => _shapes[i]).ToList();
            if (shapes.Select(s => s.Size).Distinct().Count() != 1)
                throw new InvalidOperationException($"Cannot join {string.Join(", ", inputs)}: sizes differ.");
            return (shapes.Sum(s => s.Channels), shapes[0].Size);
        }

        public void Conv(string name, IReadOnlyList<string> inputs, int channels, int kernel, int stride)
        {
            var (c, size) = In(inputs);
            int outSize = stride == 1 ? size : (size + 1) / 2;
            Add(new LayerSpec(name, LayerKind.Conv, inputs, c, Scale(channels), kernel, stride, size, outSize, true));
        }

        public void UpConv(string name, IReadOnlyList<string> inputs, int channels, bool output = false)
        {
            var (c, size) = In(inputs);
            Add(new LayerSpec(name, LayerKind.UpConv, inputs, c, output ? channels : Scale(channels), 4, 2, size, 2 * size, !output));
        }

        /// <summary>Up-convolutions with the given widths, then one to the 3 output channels.</summary>
        public void Fc(string name, string from, int channels, int size)
        {
            var (c, inSize) = _shapes[from];
            Add(new LayerSpec(name, LayerKind.Fc, [from], c * inSize * inSize, Scale(channels), 1, 1, inSize, size, true));
        }

        public void UpChain(string from, int[] channels)
        {
            string previous = from;
            for (int i = 0; i < channels.Length; i++)
            {
                UpConv($"upconv{i + 1}", [previous], channels[i]);
                previous = $"upconv{i + 1}";
            }
            UpConv($"upconv{channels.Length + 1}", [previous], 3, output: true);
        }

        private void Add(LayerSpec layer)
        {
            Layers.Add(layer);
            _shapes[layer.Name] = (layer.OutChannels, layer.OutSize);
        }
    }
}
