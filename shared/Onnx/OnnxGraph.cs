using Google.Protobuf;
using Onnx;

namespace FeatureInversion.Onnx;

/// <summary>An ONNX file that cannot be imported: unreadable, or using operators the importer does not
/// implement.</summary>
public sealed class OnnxImportException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A parsed ONNX graph: its nodes in file order (ONNX requires topological order), initializers as float or int64
/// arrays, and its graph inputs and outputs. Loading checks every operator against
/// <see cref="OnnxNetwork.SupportedOperators"/> and refuses the file naming all unsupported ones at once.
/// </summary>
public sealed class OnnxGraph
{
    private OnnxGraph(ModelProto model, string source)
    {
        Source = source;
        Model = model;
        var g = model.Graph ?? throw new OnnxImportException($"{source}: the model has no graph.");
        Nodes = g.Node.ToList();
        foreach (var init in g.Initializer)
        {
            var dims = init.Dims.ToArray();
            switch ((TensorProto.Types.DataType)init.DataType)
            {
                case TensorProto.Types.DataType.Float:
                    Floats[init.Name] = (ReadFloats(init), dims);
                    break;
                case TensorProto.Types.DataType.Int64:
                    Longs[init.Name] = (ReadLongs(init), dims);
                    break;
                default:
                    throw new OnnxImportException(
                        $"{source}: initializer '{init.Name}' has data type "
                            + $"{(TensorProto.Types.DataType)init.DataType}; only float and int64 are supported."
                    );
            }
        }
        Inputs = g.Input.Select(i => i.Name).Where(n => !Floats.ContainsKey(n) && !Longs.ContainsKey(n)).ToList();
        Outputs = g.Output.Select(o => o.Name).ToList();
        var unsupported = Nodes
            .Select(n => n.OpType)
            .Where(op => !OnnxNetwork.SupportedOperators.Contains(op))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        if (unsupported.Count > 0)
            throw new OnnxImportException(
                $"{source}: unsupported ONNX operators: {string.Join(", ", unsupported)}. Supported: "
                    + $"{string.Join(", ", OnnxNetwork.SupportedOperators.Order(StringComparer.Ordinal))}."
            );
        if (Inputs.Count != 1)
            throw new OnnxImportException(
                $"{source}: the graph has {Inputs.Count} data inputs ({string.Join(", ", Inputs)}); one image input "
                    + $"is supported."
            );
    }

    public string Source { get; }
    public ModelProto Model { get; }
    public IReadOnlyList<NodeProto> Nodes { get; }
    public Dictionary<string, (float[] Data, long[] Dims)> Floats { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, (long[] Data, long[] Dims)> Longs { get; } = new(StringComparer.Ordinal);
    public IReadOnlyList<string> Inputs { get; }
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>Names of every value the graph computes, in execution order (any of them can be requested).</summary>
    public IEnumerable<string> ValueNames => Nodes.SelectMany(n => n.Output);

    public static OnnxGraph Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no such ONNX file.", path);
        return Parse(File.ReadAllBytes(path), path);
    }

    public static OnnxGraph Parse(byte[] bytes, string source = "model")
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxImportException($"{source}: not an ONNX model ({e.Message}).", e);
        }
        return new OnnxGraph(model, source);
    }

    private static float[] ReadFloats(TensorProto t)
    {
        if (t.RawData.Length > 0)
        {
            var data = new float[t.RawData.Length / 4];
            // ONNX raw data is little-endian
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).CopyTo(data);
            return data;
        }
        return t.FloatData.ToArray();
    }

    private static long[] ReadLongs(TensorProto t)
    {
        if (t.RawData.Length > 0)
        {
            var data = new long[t.RawData.Length / 8];
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(t.RawData.Span).CopyTo(data);
            return data;
        }
        return t.Int64Data.ToArray();
    }
}

internal static class OnnxAttributes
{
    public static long[]? Ints(this NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.Ints.ToArray() : null;

    public static long Int(this NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    public static float Float(this NodeProto node, string name, float fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.F : fallback;

    public static string? String(this NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.S.ToStringUtf8() : null;
}
