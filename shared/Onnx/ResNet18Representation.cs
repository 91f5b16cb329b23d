using FeatureInversion.Imaging;
using FeatureInversion.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Onnx;

/// <summary>
/// A layer of the ImageNet-trained ResNet18 (<see cref="ResNet18Layers"/>) as a feature representation, named
/// <c>resnet18-{layer}</c>. As for every representation here, the input is the grayscale image (replicated to the
/// three channels, scaled to 0–255, minus the per-channel means of the model's mean image, in BGR order as the
/// model expects); the network runs fully convolutionally at the image's own size, so a 64×64 image gives
/// 32×32 conv1 maps and a 256×256 image 128×128 ones. <c>pool5</c> is the model's 7×7 average pool at 224×224
/// input; at other sizes it is the global average of res5, which is what that pool computes at 224.
/// The network and its weights are loaded once per process and shared (inference only, no gradients).
/// </summary>
public sealed class ResNet18Representation : IFeatureRepresentation, IBatchEncodable
{
    public const string Prefix = "resnet18-";
    private static readonly Lazy<(OnnxNetwork Network, float[] Mean)> Model = new(LoadModel);
    private readonly string _layer;

    public ResNet18Representation(string layer)
    {
        if (!ResNet18Layers.All.ContainsKey(layer))
            throw new ArgumentException($"ResNet18 has no layer '{layer}'. Layers: {string.Join(", ", ResNet18Layers.All.Keys)}.", nameof(layer));
        _layer = layer;
    }

    public string Name => Prefix + _layer;

    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["model"] = "Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 (CNTK ResNet18, ImageNet)",
        ["layer"] = _layer,
        ["value"] = ResNet18Layers.All[_layer],
        ["input"] = "gray x3, 0-255, BGR minus per-channel mean of the mean image",
    };

    public FeatureShape OutputShape(int width, int height)
    {
        if (width != height || width < 32) throw new ArgumentException($"ResNet18 features need a square image of at least 32 pixels, got {width}x{height}.");
        int conv1 = (width - 2) / 2 + 1;           // 7x7 stride 2, pads 3/3/2/2
        int pool1 = (conv1 - 2) / 2 + 1;           // 3x3 stride 2, pads 1/1/0/0
        int res3 = (pool1 - 2) / 2 + 1, res4 = (res3 - 2) / 2 + 1, res5 = (res4 - 2) / 2 + 1; // stride-2 3x3, pads 1/1/0/0
        return _layer switch
        {
            "conv1" => new FeatureShape(64, conv1, conv1),
            "pool1" or "res2" => new FeatureShape(64, pool1, pool1),
            "res3" => new FeatureShape(128, res3, res3),
            "res4" => new FeatureShape(256, res4, res4),
            "res5" => new FeatureShape(512, res5, res5),
            _ => new FeatureShape(512, 1, 1),
        };
    }

    public void Extract(GrayImage image, Span<float> output)
    {
        var shape = OutputShape(image.Width, image.Height);
        if (output.Length != shape.Length) throw new ArgumentException($"Output has {output.Length} values, {Name} gives {shape.Length}.", nameof(output));
        var (network, mean) = Model.Value;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var y = Tap(network, GrayInput(tensor(image.Pixels, [1, 1, image.Height, image.Width]), mean));
        y.contiguous().data<float>().CopyTo(output);
    }

    /// <summary>The same input as <see cref="Extract"/> for a batch of RGB images in [0, 1] (N × 3 × H × W), as a
    /// differentiable tensor expression: rgb2gray, ×255, replicated, minus the channel means.</summary>
    public static Tensor EncoderInput(Tensor rgb, float[] mean) =>
        GrayInput(TensorGrayscale.Of(rgb), mean);

    /// <summary>Gray images in [0, 1] (N × 1 × H × W) as the network's input: ×255, replicated, minus the channel means (on the input's device).</summary>
    private static Tensor GrayInput(Tensor gray, float[] mean) => (gray * 255f).expand(-1, 3, -1, -1) - tensor(mean).to(gray.device).reshape(1, 3, 1, 1);

    /// <summary>The layer's activations for an encoder input (differentiable; pool5 as in <see cref="Extract"/>).</summary>
    public Tensor Tap(OnnxNetwork network, Tensor input)
    {
        if (_layer == "pool5" && input.shape[^1] != 224)
            return network.Forward(input, [ResNet18Layers.All["res5"]])[ResNet18Layers.All["res5"]].mean([2, 3], keepdim: true);
        return network.Forward(input, [ResNet18Layers.All[_layer]])[ResNet18Layers.All[_layer]];
    }

    public IBatchEncoder CreateEncoder(Device device) => CreateEncoder(device, fineTunedWeights: null);

    /// <summary>An encoder on <paramref name="device"/> with the ImageNet weights, or with an autoencoder's fine-tuned
    /// ones (a state saved from <see cref="LoadTrainable"/>'s network) when <paramref name="fineTunedWeights"/> is given.
    /// Its parameters are frozen either way.</summary>
    public IBatchEncoder CreateEncoder(Device device, string? fineTunedWeights)
    {
        var (_, mean) = Model.Value;
        var network = new OnnxNetwork(OnnxGraph.Load(CnnModels.ResNet18File));
        try
        {
            if (fineTunedWeights is not null)
            {
                network.load(fineTunedWeights);
                foreach (var p in network.parameters()) p.requires_grad = false; // frozen whatever the loaded state says
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
    public static (OnnxNetwork Network, float[] Mean) LoadTrainable()
    {
        var (_, mean) = Model.Value;
        return (new OnnxNetwork(OnnxGraph.Load(CnnModels.ResNet18File), trainable: true), mean);
    }

    private static (OnnxNetwork, float[]) LoadModel()
    {
        var network = new OnnxNetwork(OnnxGraph.Load(CnnModels.ResNet18File));
        network.eval();
        var prep = OnnxGraph.Load(CnnModels.ResNetPreprocessFile);
        var (meanImage, dims) = prep.Floats.Values.Single(); // 3 x 224 x 224 BGR mean image
        int plane = (int)(dims[^1] * dims[^2]);
        var mean = Enumerable.Range(0, 3).Select(c => (float)meanImage.AsSpan(c * plane, plane).ToArray().Average()).ToArray();
        return (network, mean);
    }
}
