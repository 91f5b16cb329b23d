using FeatureInversion.Features;
using FeatureInversion.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Onnx;

/// <summary>
/// A layer of an AlexNet/CaffeNet network (the paper's Φ: conv1…conv5, fc6, fc7, fc8) loaded from a user-supplied
/// ONNX file, e.g. the ONNX model zoo's bvlc_alexnet or a CaffeNet export. ImageNet AlexNet weights are not bundled
/// with this project. Layers are found by structure, not by value names (exporters name them differently), and
/// tapped where the paper's Table 1 ends each layer (<see cref="FindLayer"/>): CONV1 after norm1 (27²), CONV2 after
/// norm2 (13²), CONV5 after pool5 (6²), FC6/FC7 after their ReLU, FC8 before the softmax. The grayscale
/// image is resized to the network's input size (227 for CaffeNet), scaled to 0–255, replicated and reduced by the
/// Caffe BGR mean (104, 117, 123).
/// </summary>
public sealed class AlexNetRepresentation : IFeatureRepresentation, IBatchEncodable
{
    public const string Prefix = "alexnet-";
    public static IReadOnlyList<string> Layers { get; } =
    ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"];
    private static readonly float[] CaffeMeanBgr = [104f, 117f, 123f];

    private OnnxNetwork? _network; // null once disposed: the graph's managed weights go with it
    private readonly string _layer,
        _value,
        _path;
    private readonly int _inputSize;
    private readonly FeatureShape _shape;

    public AlexNetRepresentation(string onnxPath, string layer)
    {
        if (!Layers.Contains(layer))
            throw new ArgumentException(
                $"AlexNet has no layer '{layer}'. Layers: {string.Join(", ", Layers)}.",
                nameof(layer)
            );
        var graph = OnnxGraph.Load(onnxPath);
        _value = FindLayer(graph, layer);
        _layer = layer;
        _path = onnxPath;
        var dims = graph
            .Model.Graph.Input.First(i => i.Name == graph.Inputs[0])
            .Type?.TensorType?.Shape?.Dim.Select(d => d.DimValue)
            .ToArray();
        _inputSize = dims is { Length: 4 } && dims[2] > 0 ? (int)dims[2] : 227;
        var network = new OnnxNetwork(graph);
        network.eval();
        _network = network;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var probe = network.Forward(zeros(1, 3, _inputSize, _inputSize), [_value])[_value].shape;
        _shape =
            probe.Length == 4
                ? new FeatureShape((int)probe[1], (int)probe[2], (int)probe[3])
                : new FeatureShape((int)probe[1], 1, 1);
    }

    public string Name => Prefix + _layer;
    public int InputSize => _inputSize;

    public IReadOnlyDictionary<string, string> Settings =>
        new Dictionary<string, string>
        {
            ["model"] = Path.GetFileName(_path),
            ["layer"] = _layer,
            ["value"] = _value,
            ["input"] = $"gray x3 at {_inputSize}px, 0-255, minus Caffe BGR mean 104/117/123",
        };

    /// <summary>Any image size: the image is resized to the network's input size first.</summary>
    public FeatureShape OutputShape(int width, int height) => _shape;

    public void Extract(GrayImage image, Span<float> output)
    {
        var network = _network;
        ObjectDisposedException.ThrowIf(network is null, this);
        if (output.Length != _shape.Length)
            throw new ArgumentException(
                $"Output has {output.Length} values, {Name} gives {_shape.Length}.",
                nameof(output)
            );
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = tensor(image.Pixels, [1, 1, image.Height, image.Width]);
        if (image.Width != _inputSize || image.Height != _inputSize)
            x = nn.functional.interpolate(
                x,
                [_inputSize, _inputSize],
                mode: InterpolationMode.Bilinear,
                align_corners: false
            );
        x = x * 255f - tensor(CaffeMeanBgr).reshape(1, 3, 1, 1);
        network.Forward(x, [_value])[_value].contiguous().data<float>().CopyTo(output);
    }

    public IBatchEncoder CreateEncoder(Device device)
    {
        var network = new OnnxNetwork(OnnxGraph.Load(_path));
        network.eval();
        network.to(device);
        var mean = tensor(CaffeMeanBgr).reshape(1, 3, 1, 1).to(device);
        return new NetworkEncoder(network, rgb =>
        {
            var x = TensorGrayscale.Of(rgb);
            if (x.shape[^1] != _inputSize || x.shape[^2] != _inputSize)
                x = nn.functional.interpolate(
                    x,
                    [_inputSize, _inputSize],
                    mode: InterpolationMode.Bilinear,
                    align_corners: false
                );
            return network.Forward(x * 255f - mean, [_value])[_value];
        });
    }

    /// <summary>
    /// The ONNX value name of a paper layer, found by the order of Conv and Gemm nodes. As the paper's Table 1 defines
    /// a layer's output (the last of its processing steps): CONV1–CONV4 are what enters the next convolution (CaffeNet:
    /// after norm1 27², norm2 13², relu3, relu4), CONV5 what enters fc6 before flattening (after pool5, 6²), FC6/FC7
    /// the ReLU after the first/second fully connected layer (dropout is the identity at inference), FC8 the third's
    /// output.
    /// </summary>
    public static string FindLayer(OnnxGraph graph, string layer)
    {
        var nodes = graph.Nodes;
        string AfterRelu(string value) =>
            nodes.FirstOrDefault(n => n.OpType == "Relu" && n.Input[0] == value)?.Output[0] ?? value;
        var convs = nodes.Where(n => n.OpType == "Conv").ToList();
        var fcs = nodes.Where(n => n.OpType is "Gemm" or "MatMul").ToList();
        if (convs.Count != 5 || fcs.Count != 3)
            throw new OnnxImportException(
                $"{graph.Source}: not an AlexNet/CaffeNet topology ({convs.Count} Conv and {fcs.Count} fully "
                    + $"connected nodes; expected 5 and 3)."
            );
        string BeforeFlatten(string value)
        {
            // Walk back over the reshaping (and any dropout) between pool5 and fc6 to the last spatial map.
            for (
                var producer = nodes.FirstOrDefault(n => n.Output.Contains(value));
                producer is { OpType: "Flatten" or "Reshape" or "Dropout" or "Identity" };
                producer = nodes.FirstOrDefault(n => n.Output.Contains(value))
            )
                value = producer.Input[0];
            return value;
        }
        return layer switch
        {
            "fc8" => fcs[2].Output[0],
            "fc6" or "fc7" => AfterRelu(fcs[layer == "fc6" ? 0 : 1].Output[0]),
            "conv5" => BeforeFlatten(fcs[0].Input[0]),
            _ => convs[layer[^1] - '0'].Input[0], // conv k's output is the (k+1)-th Conv's input (index k)
        };
    }

    public void Dispose()
    {
        _network?.Dispose();
        _network = null;
    }
}
