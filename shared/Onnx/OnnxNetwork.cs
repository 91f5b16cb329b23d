using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace FeatureInversion.Onnx;

/// <summary>
/// A TorchSharp module that executes an imported ONNX CNN graph (opset ≤ 13 semantics of the operators below), so
/// any named intermediate value can be read and gradients flow through it. Float initializers become parameters
/// (frozen unless <c>trainable</c>), BatchNormalization statistics become buffers (inference-mode normalisation);
/// int64 initializers (Reshape shapes, Split sizes) stay constants. Asymmetric pads (e.g. CNTK's [1,1,0,0]) are
/// applied with an explicit pad before the operator. Execution stops once every requested value is computed, so
/// reading an early layer costs only the layers before it.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Naming",
    "CA1708",
    Justification = "forward is TorchSharp's Module override; Forward reads several named outputs in one pass"
)]
public sealed class OnnxNetwork : nn.Module<Tensor, Tensor>
{
    public static IReadOnlySet<string> SupportedOperators { get; } =
        new HashSet<string>(StringComparer.Ordinal)
        {
            "Conv",
            "BatchNormalization",
            "Relu",
            "LeakyRelu",
            "MaxPool",
            "AveragePool",
            "GlobalAveragePool",
            "Add",
            "Sub",
            "Mul",
            "Gemm",
            "MatMul",
            "Flatten",
            "Reshape",
            "LRN",
            "Dropout",
            "Softmax",
            "Concat",
            "Split",
            "Identity",
        };

    private readonly OnnxGraph _graph;
    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _buffers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _valueNames;

    public OnnxNetwork(OnnxGraph graph, bool trainable = false)
        : base("onnx")
    {
        _graph = graph;
        _valueNames = graph.ValueNames.ToHashSet(StringComparer.Ordinal); // checked on every forward: build once
        foreach (var node in graph.Nodes.Where(n => n.OpType == "BatchNormalization"))
        {
            _buffers.Add(node.Input[3]);
            _buffers.Add(node.Input[4]);
        }
        // Only initializers some node uses (exporters such as CNTK's leave unused ones in the file).
        var used = graph.Nodes.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        int i = 0;
        foreach (var (name, (data, dims)) in graph.Floats.Where(f => used.Contains(f.Key)))
        {
            string key = $"t{i++}"; // ONNX names may contain '.', '/', ':'; state-dict keys must not
            _keys[name] = key;
            var t = tensor(data, dims.Length == 0 ? [] : dims);
            if (_buffers.Contains(name))
                register_buffer(key, t);
            else
                register_parameter(key, new TorchSharp.Modules.Parameter(t, requires_grad: trainable));
        }
    }

    public OnnxGraph Graph => _graph;

    /// <summary>Runs the graph on <paramref name="input"/> and returns the graph's (first) output.</summary>
    public override Tensor forward(Tensor input) => Forward(input, [_graph.Outputs[0]])[_graph.Outputs[0]];

    /// <summary>Runs the graph until every requested value is computed and returns them by name.</summary>
    public Dictionary<string, Tensor> Forward(Tensor input, IReadOnlyCollection<string> outputs)
    {
        var missing = outputs.Where(o => !_valueNames.Contains(o) && o != _graph.Inputs[0]).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"{_graph.Source}: no values named {string.Join(", ", missing)}.");

        using var scope = NewDisposeScope();
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal) { [_graph.Inputs[0]] = input };
        var wanted = new HashSet<string>(outputs, StringComparer.Ordinal);
        foreach (var node in _graph.Nodes)
        {
            if (wanted.All(values.ContainsKey))
                break;
            var results = Run(node, values);
            for (int k = 0; k < results.Length; k++)
                values[node.Output[k]] = results[k];
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var name in outputs)
            result[name] = values[name].MoveToOuterDisposeScope();
        return result;
    }

    private Tensor Value(Dictionary<string, Tensor> values, string name)
    {
        if (values.TryGetValue(name, out var v))
            return v;
        if (_keys.TryGetValue(name, out var key))
            return _buffers.Contains(name) ? get_buffer(key)! : get_parameter(key)!;
        throw new OnnxImportException($"{_graph.Source}: value '{name}' is used before it is computed.");
    }

    private long[] Longs(string name) =>
        _graph.Longs.TryGetValue(name, out var l)
            ? l.Data
            : throw new OnnxImportException($"{_graph.Source}: '{name}' must be an int64 initializer.");

    private Tensor[] Run(NodeProto node, Dictionary<string, Tensor> values)
    {
        Tensor In(int i) => Value(values, node.Input[i]);
        bool Has(int i) => node.Input.Count > i && node.Input[i].Length > 0;
        switch (node.OpType)
        {
            case "Conv":
            {
                var (x, pads) = Pad(In(0), node, 0);
                var y = F.conv2d(
                    x,
                    In(1),
                    Has(2) ? In(2) : null,
                    strides: node.Ints("strides") ?? [1, 1],
                    padding: pads,
                    dilation: node.Ints("dilations") ?? [1, 1],
                    groups: node.Int("group", 1)
                );
                return [y];
            }
            case "BatchNormalization":
                return
                [
                    F.batch_norm(
                        In(0),
                        In(3),
                        In(4),
                        In(1),
                        In(2),
                        training: false,
                        momentum: 0.1,
                        eps: node.Float("epsilon", 1e-5f)
                    ),
                ];
            case "Relu":
                return [F.relu(In(0))];
            case "LeakyRelu":
                return [F.leaky_relu(In(0), node.Float("alpha", 0.01f))];
            case "MaxPool":
            {
                var (x, pads) = Pad(In(0), node, double.NegativeInfinity);
                return
                [
                    F.max_pool2d(
                        x,
                        node.Ints("kernel_shape")!,
                        node.Ints("strides") ?? [1, 1],
                        pads,
                        node.Ints("dilations") ?? [1, 1],
                        ceil_mode: node.Int("ceil_mode", 0) != 0
                    ),
                ];
            }
            case "AveragePool":
                return [AveragePool(In(0), node)];
            case "GlobalAveragePool":
                return [In(0).mean([2, 3], keepdim: true)];
            case "Add":
                return [In(0) + In(1)];
            case "Sub":
                return [In(0) - In(1)];
            case "Mul":
                return [In(0) * In(1)];
            case "Gemm":
            {
                var a = node.Int("transA", 0) != 0 ? In(0).t() : In(0);
                var b = node.Int("transB", 0) != 0 ? In(1).t() : In(1);
                var y = a.matmul(b) * node.Float("alpha", 1f);
                if (Has(2))
                    y = y + In(2) * node.Float("beta", 1f);
                return [y];
            }
            case "MatMul":
                return [In(0).matmul(In(1))];
            case "Flatten":
            {
                long axis = node.Int("axis", 1);
                var s = In(0).shape;
                long outer = s.Take((int)axis).Aggregate(1L, (p, d) => p * d);
                return [In(0).reshape(outer, -1)];
            }
            case "Reshape":
            {
                var shape = Longs(node.Input[1]).ToArray();
                var s = In(0).shape;
                for (int k = 0; k < shape.Length; k++)
                    if (shape[k] == 0)
                        shape[k] = s[k]; // ONNX: 0 copies the input dimension
                return [In(0).reshape(shape)];
            }
            case "LRN":
                return
                [
                    F.local_response_norm(
                        In(0),
                        node.Int("size", 5),
                        node.Float("alpha", 1e-4f),
                        node.Float("beta", 0.75f),
                        node.Float("bias", 1f)
                    ),
                ];
            case "Dropout":
            case "Identity":
                return [In(0)];
            case "Softmax":
                return [F.softmax(In(0), node.Int("axis", 1))];
            case "Concat":
                return [cat(Enumerable.Range(0, node.Input.Count).Select(In).ToList(), node.Int("axis", 1))];
            case "Split":
            {
                long axis = node.Int("axis", 0);
                long[] sizes =
                    node.Ints("split") is { Length: > 0 } s ? s
                    : Has(1) ? Longs(node.Input[1])
                    : Enumerable.Repeat(In(0).shape[axis] / node.Output.Count, node.Output.Count).ToArray();
                return In(0).split(sizes, axis);
            }
            default:
                throw new OnnxImportException($"{_graph.Source}: unsupported operator {node.OpType}.");
        }
    }

    /// <summary>ONNX pads are [top, left, bottom, right]. Symmetric pads go to the operator; asymmetric ones are
    /// applied here with <paramref name="value"/> and the operator gets none.</summary>
    private static (Tensor X, long[] Pads) Pad(Tensor x, NodeProto node, double value)
    {
        string autoPad = node.String("auto_pad") ?? "NOTSET";
        if (autoPad is not ("NOTSET" or "VALID" or ""))
            throw new OnnxImportException($"{node.OpType} {node.Name}: auto_pad={autoPad} is not supported.");
        var p = node.Ints("pads") is { Length: 4 } pads ? pads : [0, 0, 0, 0];
        if (p[0] == p[2] && p[1] == p[3])
            return (x, [p[0], p[1]]);
        return (F.pad(x, [p[1], p[3], p[0], p[2]], PaddingModes.Constant, value), [0, 0]);
    }

    private static Tensor AveragePool(Tensor x, NodeProto node)
    {
        var kernel = node.Ints("kernel_shape")!;
        var strides = node.Ints("strides") ?? [1, 1];
        bool includePad = node.Int("count_include_pad", 0) != 0;
        bool ceil = node.Int("ceil_mode", 0) != 0;
        var p = node.Ints("pads") is { Length: 4 } pads ? pads : [0, 0, 0, 0];
        if (p[0] == p[2] && p[1] == p[3])
            return F.avg_pool2d(x, kernel, strides, [p[0], p[1]], ceil_mode: ceil, count_include_pad: includePad);
        // Asymmetric: sum-pool the zero-padded input and divide by the count of real (or all) cells in each window.
        var padded = F.pad(x, [p[1], p[3], p[0], p[2]]);
        var sums = F.avg_pool2d(padded, kernel, strides, ceil_mode: ceil) * (kernel[0] * kernel[1]);
        if (includePad)
            return sums / (kernel[0] * kernel[1]);
        var ones = F.pad(ones_like(x[.., ..1]), [p[1], p[3], p[0], p[2]]);
        var counts = F.avg_pool2d(ones, kernel, strides, ceil_mode: ceil) * (kernel[0] * kernel[1]);
        return sums / counts;
    }
}
