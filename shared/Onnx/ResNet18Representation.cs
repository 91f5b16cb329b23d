using FeatureInversion.Features;
using FeatureInversion.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Onnx;

/// <summary>
/// A layer of the ImageNet-trained ResNet18 (<see cref="ResNet18Layers"/>) as a feature representation, named
/// <c>resnet18-{layer}</c>. As for every representation here, the input is the grayscale image (replicated to the
/// three channels, scaled to 0–255, minus the per-channel means of the model's mean image, in BGR order as the
/// model expects); the network runs fully convolutionally at the image's own size, so a 64×64 image gives
/// 32×32 conv1 maps and a 256×256 image 128×128 ones; any size from 32×32 works, rectangles included
/// (<see cref="OutputShape"/>). <c>pool5</c> is the model's 7×7 average pool at 224×224 input; at other sizes it is
/// the global average of res5, which is what that pool computes at 224.
/// The network and its weights are loaded once per <see cref="ResNet18Model"/> (one per registry) and shared by its
/// layers (inference only, no gradients).
/// </summary>
public sealed class ResNet18Representation : IFeatureRepresentation, ITrainableEncoding
{
    public const string Prefix = "resnet18-";
    private readonly ResNet18Model _model;
    private readonly string _layer;

    public ResNet18Representation(ResNet18Model model, string layer)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!ResNet18Layers.All.ContainsKey(layer))
            throw new ArgumentException(
                $"ResNet18 has no layer '{layer}'. Layers: {string.Join(", ", ResNet18Layers.All.Keys)}.",
                nameof(layer)
            );
        _model = model;
        _layer = layer;
    }

    public string Name => Prefix + _layer;

    public IReadOnlyDictionary<string, string> Settings =>
        new Dictionary<string, string>
        {
            ["model"] = "Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 (CNTK ResNet18, ImageNet)",
            ["layer"] = _layer,
            ["value"] = ResNet18Layers.All[_layer],
            ["input"] = "gray x3, 0-255, BGR minus per-channel mean of the mean image",
        };

    /// <summary>How many input pixels one position of the layer spans (its total stride).</summary>
    public int Stride =>
        _layer switch
        {
            "conv1" => 2,
            "pool1" or "res2" => 4,
            "res3" => 8,
            "res4" => 16,
            _ => 32,
        };

    /// <summary>
    /// ⌈H/s⌉ × ⌈W/s⌉ positions for the layer's stride s, at any size from 32 pixels. The CNTK model's stride-2 layers
    /// pad only top and left (pads 1/1/0/0), so on an odd-sized map its 3×3 path gives one row fewer than its 1×1
    /// shortcut and the residual sum fails; <see cref="Tap"/> therefore pads the input on the bottom and right to a
    /// multiple of s with the mean gray (zero after mean subtraction). Sizes that are multiples of s (every decoder
    /// size, 224) are computed unpadded, as before.
    /// </summary>
    public FeatureShape OutputShape(int width, int height)
    {
        if (width < 32 || height < 32)
            throw new ArgumentException(
                $"ResNet18 features need an image of at least 32x32 pixels, got {width}x{height}."
            );
        if (_layer == "pool5")
            return new FeatureShape(512, 1, 1);
        int s = Stride;
        return new FeatureShape(
            _layer switch
            {
                "conv1" or "pool1" or "res2" => 64,
                "res3" => 128,
                "res4" => 256,
                _ => 512,
            },
            (height + s - 1) / s,
            (width + s - 1) / s
        );
    }

    public void Extract(GrayImage image, Span<float> output)
    {
        var shape = OutputShape(image.Width, image.Height);
        if (output.Length != shape.Length)
            throw new ArgumentException(
                $"Output has {output.Length} values, {Name} gives {shape.Length}.",
                nameof(output)
            );
        var (network, mean) = _model.Shared;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var y = Tap(network, GrayInput(tensor(image.Pixels, [1, 1, image.Height, image.Width]), mean));
        y.contiguous().data<float>().CopyTo(output);
    }

    /// <summary>The same input as <see cref="Extract"/> for a batch of RGB images in [0, 1] (N × 3 × H × W), as a
    /// differentiable tensor expression: rgb2gray, ×255, replicated, minus the channel means.</summary>
    public static Tensor EncoderInput(Tensor rgb, float[] mean) => GrayInput(TensorGrayscale.Of(rgb), mean);

    /// <summary>Gray images in [0, 1] (N × 1 × H × W) as the network's input: ×255, replicated, minus the channel means
    /// (on the input's device).</summary>
    private static Tensor GrayInput(Tensor gray, float[] mean) =>
        (gray * 255f).expand(-1, 3, -1, -1) - tensor(mean).to(gray.device).reshape(1, 3, 1, 1);

    /// <summary>The layer's activations for an encoder input (differentiable; pool5 as in <see cref="Extract"/>), the
    /// input padded on the bottom and right to a multiple of the layer's stride (see <see
    /// cref="OutputShape"/>).</summary>
    public Tensor Tap(OnnxNetwork network, Tensor input)
    {
        int s = Stride;
        long h = input.shape[^2],
            w = input.shape[^1];
        long padH = (s - h % s) % s,
            padW = (s - w % s) % s;
        if (padH > 0 || padW > 0)
            input = nn.functional.pad(input, [0, padW, 0, padH], PaddingModes.Constant, 0);
        if (_layer == "pool5" && (input.shape[^1] != 224 || input.shape[^2] != 224))
            return network
                .Forward(input, [ResNet18Layers.All["res5"]])[ResNet18Layers.All["res5"]]
                .mean([2, 3], keepdim: true);
        return network.Forward(input, [ResNet18Layers.All[_layer]])[ResNet18Layers.All[_layer]];
    }

    public IBatchEncoder CreateEncoder(Device device) => CreateEncoder(device, fineTunedWeights: null);

    /// <summary>An encoder on <paramref name="device"/> with the ImageNet weights, or with an autoencoder's fine-tuned
    /// ones (a state saved from <see cref="CreateTrainable"/>'s network) when <paramref name="fineTunedWeights"/> is
    /// given. Its parameters are frozen either way.</summary>
    public IBatchEncoder CreateEncoder(Device device, string? fineTunedWeights)
    {
        var (_, mean) = _model.Shared;
        var network = _model.NewNetwork();
        try
        {
            if (fineTunedWeights is not null)
            {
                network.load(fineTunedWeights);
                foreach (var p in network.parameters())
                    p.requires_grad = false; // frozen whatever the loaded state says
            }
        }
        catch
        {
            network.Dispose();
            throw;
        }
        network.eval();
        network.to(device);
        return new NetworkEncoder(network, rgb => Tap(network, EncoderInput(rgb, mean)));
    }

    /// <summary>A fresh, trainable copy of the network (for autoencoder training) and the channel means.</summary>
    public ITrainableEncoder CreateTrainable(Device device)
    {
        var (_, mean) = _model.Shared;
        var network = _model.NewNetwork(trainable: true);
        network.to(device);
        return new Trainable(this, network, mean);
    }

    IBatchEncoder ITrainableEncoding.CreateEncoder(Device device, string fineTunedWeights) =>
        CreateEncoder(device, fineTunedWeights);

    private sealed class Trainable(ResNet18Representation layer, OnnxNetwork network, float[] mean) : ITrainableEncoder
    {
        public nn.Module Network => network;

        public Tensor Encode(Tensor rgb) => layer.Tap(network, EncoderInput(rgb, mean));

        public void Dispose() => network.Dispose();
    }
}
