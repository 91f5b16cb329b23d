using Google.Protobuf;
using Onnx;

namespace FeatureInversion.Tests.Onnx;

/// <summary>
/// Builds a CaffeNet-topology ONNX model with seeded random weights: conv1 11×11/4 → relu → max-pool 3/2 → LRN;
/// conv2 5×5 pad 2, 2 groups → relu → pool → LRN; conv3 3×3; conv4, conv5 3×3 in 2 groups; pool5; fc6, fc7 with
/// relu and dropout; fc8; softmax; 227×227 input. Channel counts are divided by <c>shrink</c> (the layer structure,
/// kernels, strides, groups and spatial sizes stay the paper's) so tests stay small; fc8 keeps its 1000 outputs.
/// </summary>
internal static class AlexNetOnnx
{
    public static byte[] Build(int shrink = 8, int seed = 1)
    {
        var random = new Random(seed);
        var g = new GraphProto { Name = "caffenet" };
        g.Input.Add(
            new ValueInfoProto
            {
                Name = "data",
                Type = new TypeProto
                {
                    TensorType = new TypeProto.Types.Tensor
                    {
                        ElemType = (int)TensorProto.Types.DataType.Float,
                        Shape = Shape(1, 3, 227, 227),
                    },
                },
            }
        );
        string x = "data";
        int c = 3;
        int conv = 0;
        string Conv(string input, int inC, int outC, int k, int stride, int pad, int groups)
        {
            conv++;
            string w = $"conv{conv}_w",
                b = $"conv{conv}_b";
            g.Initializer.Add(Weights(w, random, Math.Sqrt(2.0 / (inC / groups * k * k)), outC, inC / groups, k, k));
            g.Initializer.Add(Weights(b, random, 0.01, outC));
            var node = new NodeProto
            {
                OpType = "Conv",
                Name = $"conv{conv}",
                Input = { input, w, b },
                Output = { $"conv{conv}" },
            };
            node.Attribute.Add(Ints("kernel_shape", k, k));
            node.Attribute.Add(Ints("strides", stride, stride));
            node.Attribute.Add(Ints("pads", pad, pad, pad, pad));
            node.Attribute.Add(
                new AttributeProto
                {
                    Name = "group",
                    I = groups,
                    Type = AttributeProto.Types.AttributeType.Int,
                }
            );
            g.Node.Add(node);
            return Op("Relu", $"conv{conv}", $"relu{conv}");
        }
        string Op(string op, string input, string output, params AttributeProto[] attributes)
        {
            var node = new NodeProto
            {
                OpType = op,
                Name = output,
                Input = { input },
                Output = { output },
            };
            node.Attribute.AddRange(attributes);
            g.Node.Add(node);
            return output;
        }
        string Pool(string input, string name) =>
            Op("MaxPool", input, name, Ints("kernel_shape", 3, 3), Ints("strides", 2, 2));
        string Lrn(string input, string name) =>
            Op("LRN", input, name, Int("size", 5), Float("alpha", 1e-4f), Float("beta", 0.75f), Float("bias", 1f));

        x = Lrn(Pool(Conv(x, c, 96 / shrink, 11, 4, 0, 1), "pool1"), "norm1");
        x = Lrn(Pool(Conv(x, 96 / shrink, 256 / shrink, 5, 1, 2, 2), "pool2"), "norm2");
        x = Conv(x, 256 / shrink, 384 / shrink, 3, 1, 1, 1);
        x = Conv(x, 384 / shrink, 384 / shrink, 3, 1, 1, 2);
        x = Pool(Conv(x, 384 / shrink, 256 / shrink, 3, 1, 1, 2), "pool5");
        x = Op("Flatten", x, "flat", Int("axis", 1));
        int inF = 256 / shrink * 6 * 6;
        int fc = 0;
        string Fc(string input, int inFeatures, int outFeatures)
        {
            fc++;
            string w = $"fc{fc + 5}_w",
                b = $"fc{fc + 5}_b";
            g.Initializer.Add(Weights(w, random, Math.Sqrt(2.0 / inFeatures), outFeatures, inFeatures));
            g.Initializer.Add(Weights(b, random, 0.01, outFeatures));
            var node = new NodeProto
            {
                OpType = "Gemm",
                Name = $"fc{fc + 5}",
                Input = { input, w, b },
                Output = { $"fc{fc + 5}" },
            };
            node.Attribute.Add(Int("transB", 1));
            g.Node.Add(node);
            return $"fc{fc + 5}";
        }
        x = Op("Dropout", Op("Relu", Fc(x, inF, 4096 / shrink), "relu6"), "drop6");
        x = Op("Dropout", Op("Relu", Fc(x, 4096 / shrink, 4096 / shrink), "relu7"), "drop7");
        x = Op("Softmax", Fc(x, 4096 / shrink, 1000), "prob", Int("axis", 1));
        g.Output.Add(new ValueInfoProto { Name = x });
        var model = new ModelProto
        {
            IrVersion = 7,
            ProducerName = "FeatureInversion.Tests",
            Graph = g,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 11 });
        return model.ToByteArray();
    }

    private static TensorShapeProto Shape(params long[] dims)
    {
        var s = new TensorShapeProto();
        foreach (var d in dims)
            s.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return s;
    }

    private static TensorProto Weights(string name, Random random, double std, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        long n = dims.Aggregate(1L, (a, b) => a * b);
        var data = new float[n];
        for (long i = 0; i < n; i++)
            data[i] = (float)(std * (random.NextDouble() * 2 - 1) * Math.Sqrt(3));
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        return t;
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    private static AttributeProto Int(string name, long value) =>
        new()
        {
            Name = name,
            I = value,
            Type = AttributeProto.Types.AttributeType.Int,
        };

    private static AttributeProto Float(string name, float value) =>
        new()
        {
            Name = name,
            F = value,
            Type = AttributeProto.Types.AttributeType.Float,
        };
}
