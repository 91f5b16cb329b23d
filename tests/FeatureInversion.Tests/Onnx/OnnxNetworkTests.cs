using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using static TorchSharp.torch;

namespace FeatureInversion.Tests.Onnx;

/// <summary>The ONNX importer against ONNX Runtime on the shipped ResNet18, and its refusals.</summary>
public class OnnxNetworkTests
{
    /// <summary>A photo as the 1×3×224×224 RGB input the preprocessing graph expects (0–255).</summary>
    private static float[] PhotoInput()
    {
        var photo = FeatureInversion.Imaging.ImageFiles.CenterSquare(TestData.LoadPhoto("chelsea-451x300.jpg"), 224);
        return photo.Planes.Select(v => v * 255f).ToArray();
    }

    /// <summary>Runs ONNX Runtime with extra graph outputs exposed (ORT returns only graph outputs).</summary>
    private static Dictionary<string, float[]> RunOrt(string path, float[] input, params string[] outputs)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        foreach (var name in outputs.Where(o => model.Graph.Output.All(x => x.Name != o)))
            model.Graph.Output.Add(new ValueInfoProto { Name = name });
        using var session = new InferenceSession(model.ToByteArray());
        string inputName = session.InputMetadata.Keys.Single();
        using var results = session.Run(
            [NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<float>(input, [1, 3, 224, 224]))],
            outputs
        );
        return results.ToDictionary(r => r.Name, r => r.AsTensor<float>().ToArray());
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs);
        double worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(
            worst <= 1e-4 * scale,
            $"{what}: max |difference| {worst:G3} exceeds 1e-4 of the activation scale {scale:G3}"
        );
    }

    [Fact]
    public void ResNet18MatchesOnnxRuntimeAtEveryTappedLayer()
    {
        float[] raw = PhotoInput();
        var preprocessed = RunOrt(TestData.ResNet18.Preprocess, raw, "PreprocessedInput")["PreprocessedInput"];
        string[] taps = [.. ResNet18Layers.All.Values];
        var expected = RunOrt(TestData.ResNet18.Model, preprocessed, taps);

        using var scope = NewDisposeScope();
        using var prep = new OnnxNetwork(OnnxGraph.Load(TestData.ResNet18.Preprocess));
        using var net = new OnnxNetwork(OnnxGraph.Load(TestData.ResNet18.Model));
        using var noGrad = no_grad();
        var ours = prep.call(tensor(raw, [1, 3, 224, 224]));
        AssertClose(preprocessed, ours.data<float>().ToArray(), "preprocessing");
        var values = net.Forward(tensor(preprocessed, [1, 3, 224, 224]), taps);
        foreach (var (layer, name) in ResNet18Layers.All)
            AssertClose(expected[name], values[name].contiguous().data<float>().ToArray(), layer);
        Assert.Equal([1L, 512, 1, 1], values[ResNet18Layers.All["pool5"]].shape);
    }

    [Fact]
    public void GradientsFlowToTheInputAndOnlyTrainableWeightsAreParameters()
    {
        var graph = OnnxGraph.Load(TestData.ResNet18.Model);
        using var frozen = new OnnxNetwork(graph);
        Assert.All(frozen.parameters(), p => Assert.False(p.requires_grad));
        using var trainable = new OnnxNetwork(graph, trainable: true);
        Assert.All(trainable.parameters(), p => Assert.True(p.requires_grad));

        using var scope = NewDisposeScope();
        var x = randn(2, 3, 64, 64).requires_grad_(true);
        var y = trainable.Forward(x, [ResNet18Layers.All["res3"]])[ResNet18Layers.All["res3"]];
        y.sum().backward();
        Assert.True(x.grad is not null && x.grad.abs().sum().item<float>() > 0);
        Assert.Contains(trainable.parameters(), p => p.grad is not null); // layers up to res3 got gradients
        Assert.Contains(trainable.parameters(), p => p.grad is null); // later layers were never run
    }

    [Fact]
    public void UnknownValueNamesAreRefused()
    {
        using var net = new OnnxNetwork(OnnxGraph.Load(TestData.ResNet18.Model));
        using var x = zeros(1, 3, 64, 64);
        var e = Assert.Throws<ArgumentException>(() => net.Forward(x, ["NoSuchLayer"]));
        Assert.Contains("NoSuchLayer", e.Message);
    }

    [Fact]
    public void AGraphWithUnsupportedOperatorsIsRefusedNamingThem()
    {
        var model = new ModelProto
        {
            IrVersion = 7,
            Graph = new GraphProto { Name = "g" },
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 13 });
        model.Graph.Input.Add(new ValueInfoProto { Name = "x" });
        model.Graph.Node.Add(
            new NodeProto
            {
                OpType = "Relu",
                Input = { "x" },
                Output = { "a" },
            }
        );
        model.Graph.Node.Add(
            new NodeProto
            {
                OpType = "Resize",
                Input = { "a" },
                Output = { "b" },
            }
        );
        model.Graph.Node.Add(
            new NodeProto
            {
                OpType = "Tanh",
                Input = { "b" },
                Output = { "c" },
            }
        );
        model.Graph.Output.Add(new ValueInfoProto { Name = "c" });
        var e = Assert.Throws<OnnxImportException>(() => OnnxGraph.Parse(model.ToByteArray(), "tiny.onnx"));
        Assert.Contains("unsupported ONNX operators: Resize, Tanh", e.Message);
        Assert.Contains("tiny.onnx", e.Message);
        Assert.Throws<OnnxImportException>(() => OnnxGraph.Parse("not a model"u8.ToArray()));
    }
}
