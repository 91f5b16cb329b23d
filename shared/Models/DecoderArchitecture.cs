using FeatureInversion.Features;

namespace FeatureInversion.Models;

public enum LayerKind
{
    /// <summary>Convolution, padding ⌊k/2⌋: stride 1 keeps the size, stride 2 halves it (rounding up).</summary>
    Conv,

    /// <summary>Up-convolution (transposed convolution), stride 2, padding ⌊(k−1)/2⌋ and output padding k mod 2, so
    /// that kernel 4 (Tables 3–5) and kernel 5 (Tables 6–7) both exactly double the size.</summary>
    UpConv,

    /// <summary>Fully connected on the flattened input; its output is reshaped to OutChannels × OutSize ×
    /// OutSize.</summary>
    Fc,
}

/// <summary>
/// One layer of a decoder: its inputs (earlier layers or "input"; several are concatenated along channels),
/// kernel and stride, and the shapes it maps between. Every layer but the last is followed by leaky ReLU 0.2.
/// </summary>
public sealed record LayerSpec(
    string Name,
    LayerKind Kind,
    IReadOnlyList<string> Inputs,
    int InChannels,
    int OutChannels,
    int Kernel,
    int Stride,
    int InSize,
    int OutSize,
    bool Activation
)
{
    /// <summary>Zero padding of the convolution or up-convolution (see <see cref="LayerKind"/>).</summary>
    public int Padding => Kind == LayerKind.UpConv ? (Kernel - 1) / 2 : Kernel / 2;

    /// <summary>Extra rows/columns an up-convolution adds on one side so odd kernels double the size too.</summary>
    public int OutputPadding => Kind == LayerKind.UpConv ? Kernel % 2 : 0;

    /// <summary>Weights and biases of the layer.</summary>
    public long Parameters =>
        Kind == LayerKind.Fc
            ? ((long)InChannels + 1) * OutChannels * OutSize * OutSize
            : (long)InChannels * OutChannels * Kernel * Kernel + OutChannels;

    /// <summary>Multiply-adds of one forward pass for one image: per output pixel of a convolution, per input pixel of
    /// an up-convolution (each scatters a kernel-sized patch), per weight of a fully connected layer; biases and
    /// activations not counted. Two floating-point operations each.</summary>
    public long MultiplyAdds =>
        Kind switch
        {
            LayerKind.Fc => (long)InChannels * OutChannels * OutSize * OutSize,
            LayerKind.UpConv => (long)InSize * InSize * InChannels * OutChannels * Kernel * Kernel,
            _ => (long)OutSize * OutSize * InChannels * OutChannels * Kernel * Kernel,
        };

    /// <summary>The input column as the paper writes it: the layer's inputs, "{a, b}" when concatenated.</summary>
    public string InputLabel => Inputs.Count == 1 ? Inputs[0] : "{" + string.Join(", ", Inputs) + "}";

    /// <summary>The InSize column: H×W×C, or the vector length of a fully connected layer.</summary>
    public string InShape =>
        Kind == LayerKind.Fc && InSize == 1 ? $"{InChannels}"
        : Kind == LayerKind.Fc ? $"{InSize}×{InSize}×{InChannels / (InSize * InSize)}"
        : $"{InSize}×{InSize}×{InChannels}";

    /// <summary>The OutSize column.</summary>
    public string OutShape =>
        Kind == LayerKind.Fc && OutSize == 1 ? $"{OutChannels}" : $"{OutSize}×{OutSize}×{OutChannels}";

    public override string ToString() =>
        Kind == LayerKind.Fc
            ? $"{Name, -9} {InputLabel, -22} {InShape, -14} -  -  {OutShape}"
            : $"{Name, -9} {InputLabel, -22} {InShape, -14} {Kernel}  {Stride}  {OutShape}";
}

/// <summary>The layers of a decoder for one representation, image size and width.</summary>
public sealed record DecoderSpec(
    RepresentationDescriptor Representation,
    int ImageSize,
    double Width,
    FeatureShape Input,
    IReadOnlyList<LayerSpec> Layers
)
{
    public LayerSpec Output => Layers[^1];

    /// <summary>Trainable parameters (equal to the built network's; tested).</summary>
    public long Parameters => Layers.Sum(l => l.Parameters);

    /// <summary>Multiply-adds of one forward pass for one image (<see cref="LayerSpec.MultiplyAdds"/>).</summary>
    public long MultiplyAdds => Layers.Sum(l => l.MultiplyAdds);

    /// <summary>The paper's table for this decoder (Layer, Input, InSize, K, S, OutSize), one line per layer.</summary>
    public string Table()
    {
        var lines = new List<string>
        {
            $"{Representation} decoder, {ImageSize}×{ImageSize} images, width {Width:0.###} "
                + $"({DecoderArchitecture.TableOf(Representation.Decoder)}); input "
                + $"{Input.Rows}×{Input.Cols}×{Input.Channels}",
            $"{"Layer", -9} {"Input", -22} {"InSize", -14} K  S  OutSize",
        };
        lines.AddRange(Layers.Select(l => l.ToString()));
        lines.Add($"{Parameters:N0} parameters; leaky ReLU 0.2 after every layer but {Output.Name}");
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>
/// Decoder architectures of Dosovitskiy &amp; Brox (CVPR 2016), supplementary Tables 3–7, layer for layer: names,
/// inputs, kernels, strides and channels are the paper's at 256×256 images and width 1; leaky ReLU 0.2 follows
/// every layer except the linear output.
/// </summary>
/// <remarks>
/// <para>HOG (Table 3) and LBP (Table 5) have two streams: A compresses the feature map spatially (and so sees the
/// overall brightness), B keeps the cell resolution (fine detail); J concatenates them and up-convolves to the
/// image. SIFT (Table 4) is a single stream conv1–conv6 (2048 channels in conv4, conv5) and six up-convolutions.
/// Up-convolutions of these tables are 4×4, stride 2.</para>
/// <para>CNN layers: Table 6 (AlexNet CONV5) — three 3×3 convolutions at the layer's resolution, then 5×5
/// up-convolutions with 256, 128, 64, 32 channels and the 3 output channels; Table 7 (FC8) — fc1–fc3 with 4096
/// units, reshape to 4×4×256, the same 5×5 up-convolutions. For layers whose map is a different power-of-two
/// fraction of the image, the up-convolution chain is as long as it must be, with the tables' channels in order
/// (32 repeated where the chain is longer than the table's).</para>
/// <para>Other image sizes scale the spatial sizes (the feature maps shrink with the image; the layers are the
/// same); <c>width</c> scales every hidden channel count (¼ for CPU training), never the 3 output channels.</para>
/// </remarks>
public static class DecoderArchitecture
{
    /// <summary>Bumped whenever a layer of any decoder changes; checkpoints record it and older ones are
    /// refused.</summary>
    public const int Revision = 2;

    /// <summary>What changed at each revision, for the message that refuses an older checkpoint.</summary>
    public const string RevisionChange =
        "revision 2 builds the decoders exactly as the paper's Tables 3–7 (two-stream LBP with a 5×5 convA2, SIFT "
        + "conv1–conv6 with 2048 channels in conv4/conv5, HOG's upconvJ4–J6 names, 5×5 up-convolutions with "
        + "256/128/64/32 channels for CNN layers)";

    /// <summary>Image sizes the trainer and the shipped decoders use.</summary>
    public static IReadOnlyList<int> ImageSizes { get; } = [64, 128, 256];

    private static readonly int[] CnnUpChannels = [256, 128, 64, 32];

    /// <summary>The supplementary table a layout follows.</summary>
    public static string TableOf(DecoderLayout layout) =>
        layout switch
        {
            DecoderLayout.Hog => "Table 3",
            DecoderLayout.Sift => "Table 4",
            DecoderLayout.Lbp => "Table 5",
            DecoderLayout.CnnConvolutional => "Table 6",
            DecoderLayout.CnnVector => "Table 7",
            _ => "no table",
        };

    /// <summary>
    /// The image sizes a representation's decoder can be trained at: <see cref="ImageSizes"/>, except for CNN layers
    /// whose map size does not depend on the image (AlexNet resizes every image to its 227×227 input) and is no
    /// power-of-two fraction of them: there the map size times 2, 4, 8… up to 256 (CONV1 27² → 54, 108, 216; CONV2–4
    /// 13² → … 208; CONV5 6² → … 192, Table 6's size).
    /// </summary>
    public static IReadOnlyList<int> SizesFor(RepresentationDescriptor representation)
    {
        if (representation.Decoder != DecoderLayout.CnnConvolutional)
            return ImageSizes;
        var fixedMap = representation.OutputShape(ImageSizes[0], ImageSizes[0]);
        if (fixedMap != representation.OutputShape(ImageSizes[^1], ImageSizes[^1]))
            return ImageSizes; // scales with the image
        if (ImageSizes.All(size => IsPowerOfTwoFraction(fixedMap.Rows, size)))
            return ImageSizes;
        var sizes = new List<int>();
        for (int size = fixedMap.Rows * 2; size <= ImageSizes[^1]; size *= 2)
            sizes.Add(size);
        return sizes;
    }

    private static bool IsPowerOfTwoFraction(int map, int size) =>
        size % map == 0 && int.IsPow2(size / map) && size > map;

    /// <summary>The decoder for a representation at an image size (one of <see cref="SizesFor"/>) and width.</summary>
    public static DecoderSpec For(RepresentationDescriptor representation, int imageSize, double width)
    {
        var sizes = SizesFor(representation);
        if (!sizes.Contains(imageSize))
            throw new ArgumentOutOfRangeException(
                nameof(imageSize),
                imageSize,
                $"Image size must be one of {string.Join(", ", sizes)} for {representation.Name}."
            );
        return Build(representation, imageSize, width);
    }

    /// <summary>The decoder at any image size whose geometry works out (the paper's Tables 6 and 7 end at 192 and 128
    /// px).</summary>
    public static DecoderSpec Build(RepresentationDescriptor representation, int imageSize, double width)
    {
        ArgumentNullException.ThrowIfNull(representation);
        if (imageSize is < 16 or > 4096)
            throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, "Image size must be in [16, 4096].");
        if (width is <= 0 or > 4)
            throw new ArgumentOutOfRangeException(nameof(width), width, "Width multiplier must be in (0, 4].");
        var input = representation.OutputShape(imageSize, imageSize);
        var b = new Builder(input, width);
        switch (representation.Decoder)
        {
            case DecoderLayout.Hog: // Table 3
                b.Conv("convA1", ["input"], 256, 5, 2);
                b.Conv("convA2", ["convA1"], 512, 5, 2);
                b.Conv("convA3", ["convA2"], 1024, 3, 2);
                b.UpConv("upconvA1", ["convA3"], 512, 4);
                b.UpConv("upconvA2", ["upconvA1"], 256, 4);
                b.UpConv("upconvA3", ["upconvA2"], 128, 4);
                b.Conv("convB1", ["input"], 128, 5, 1);
                b.Conv("convB2", ["convB1"], 128, 3, 1);
                b.Conv("convJ1", ["upconvA3", "convB2"], 256, 3, 1);
                b.Conv("convJ2", ["convJ1"], 128, 3, 1);
                b.UpConv("upconvJ4", ["convJ2"], 64, 4);
                b.UpConv("upconvJ5", ["upconvJ4"], 32, 4);
                b.UpConv("upconvJ6", ["upconvJ5"], 3, 4, output: true);
                break;
            case DecoderLayout.Sift: // Table 4
                b.Conv("conv1", ["input"], 256, 5, 2);
                b.Conv("conv2", ["conv1"], 512, 3, 2);
                b.Conv("conv3", ["conv2"], 1024, 3, 2);
                b.Conv("conv4", ["conv3"], 2048, 3, 2);
                b.Conv("conv5", ["conv4"], 2048, 3, 1);
                b.Conv("conv6", ["conv5"], 1024, 3, 1);
                b.UpChain("conv6", [512, 256, 128, 64, 32], 4);
                break;
            case DecoderLayout.Lbp: // Table 5
                b.Conv("convA1", ["input"], 256, 5, 2);
                b.Conv("convA2", ["convA1"], 512, 5, 2);
                b.Conv("convA3", ["convA2"], 1024, 3, 1);
                b.UpConv("upconvA1", ["convA3"], 512, 4);
                b.UpConv("upconvA2", ["upconvA1"], 256, 4);
                b.Conv("convB1", ["input"], 128, 5, 1);
                b.Conv("convB2", ["convB1"], 128, 3, 1);
                b.Conv("convJ1", ["upconvA2", "convB2"], 256, 3, 1);
                b.Conv("convJ2", ["convJ1"], 128, 3, 1);
                b.UpConv("upconvJ3", ["convJ2"], 128, 4);
                b.UpConv("upconvJ4", ["upconvJ3"], 64, 4);
                b.UpConv("upconvJ5", ["upconvJ4"], 32, 4);
                b.UpConv("upconvJ6", ["upconvJ5"], 3, 4, output: true);
                break;
            case DecoderLayout.CnnConvolutional: // Table 6
                b.Conv("conv1", ["input"], 256, 3, 1);
                b.Conv("conv2", ["conv1"], 256, 3, 1);
                b.Conv("conv3", ["conv2"], 256, 3, 1);
                b.UpChain("conv3", CnnChannels(imageSize, input.Rows), 5);
                break;
            case DecoderLayout.CnnVector: // Table 7
                b.Fc("fc1", "input", 4096, 1);
                b.Fc("fc2", "fc1", 4096, 1);
                b.Fc("fc3", "fc2", 256, 4); // 4096 units, reshaped to 4×4×256
                b.UpChain("fc3", CnnChannels(imageSize, 4), 5);
                break;
            default:
                throw new ArgumentOutOfRangeException(
                    nameof(representation),
                    representation.Decoder,
                    $"No decoder table for layout {representation.Decoder}."
                );
        }
        var spec = new DecoderSpec(representation, imageSize, width, input, b.Layers);
        if (spec.Output.OutSize != imageSize || spec.Output.OutChannels != 3)
            throw new InvalidOperationException(
                $"{representation} decoder ends at "
                    + $"{spec.Output.OutSize}x{spec.Output.OutSize}x{spec.Output.OutChannels}, expected "
                    + $"{imageSize}x{imageSize}x3."
            );
        return spec;
    }

    /// <summary>Hidden channels of the 5×5 up-convolutions taking a <paramref name="from"/>-pixel map to the image:
    /// Table 6's 256, 128, 64, 32 in order, as many as the upsampling factor (a power of two) needs.</summary>
    private static int[] CnnChannels(int imageSize, int from)
    {
        int factor = imageSize / Math.Max(1, from);
        int steps = (int)Math.Round(Math.Log2(Math.Max(1, factor)));
        if (steps < 1 || from * (1 << steps) != imageSize)
            throw new ArgumentException(
                $"A {from}×{from} feature map is no power-of-two fraction of {imageSize}×{imageSize} images: no "
                    + $"up-convolution chain reaches the image."
            );
        return Enumerable
            .Range(0, steps - 1)
            .Select(i => CnnUpChannels[Math.Min(i, CnnUpChannels.Length - 1)])
            .ToArray();
    }

    private sealed class Builder(FeatureShape input, double width)
    {
        private readonly Dictionary<string, (int Channels, int Size)> _shapes = new()
        {
            ["input"] = (input.Channels, input.Rows),
        };

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

        public void UpConv(string name, IReadOnlyList<string> inputs, int channels, int kernel, bool output = false)
        {
            var (c, size) = In(inputs);
            Add(
                new LayerSpec(
                    name,
                    LayerKind.UpConv,
                    inputs,
                    c,
                    output ? channels : Scale(channels),
                    kernel,
                    2,
                    size,
                    2 * size,
                    !output
                )
            );
        }

        public void Fc(string name, string from, int channels, int size)
        {
            var (c, inSize) = _shapes[from];
            Add(
                new LayerSpec(
                    name,
                    LayerKind.Fc,
                    [from],
                    c * inSize * inSize,
                    Scale(channels),
                    1,
                    1,
                    inSize,
                    size,
                    true
                )
            );
        }

        /// <summary>Up-convolutions upconv1… with the given hidden widths, then one to the 3 output channels.</summary>
        public void UpChain(string from, int[] channels, int kernel)
        {
            string previous = from;
            for (int i = 0; i < channels.Length; i++)
            {
                UpConv($"upconv{i + 1}", [previous], channels[i], kernel);
                previous = $"upconv{i + 1}";
            }
            UpConv($"upconv{channels.Length + 1}", [previous], 3, kernel, output: true);
        }

        private void Add(LayerSpec layer)
        {
            Layers.Add(layer);
            _shapes[layer.Name] = (layer.OutChannels, layer.OutSize);
        }
    }
}
