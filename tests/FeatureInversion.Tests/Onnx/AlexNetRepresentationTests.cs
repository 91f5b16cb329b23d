using FeatureInversion.Features;
using FeatureInversion.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using static TorchSharp.torch;

namespace FeatureInversion.Tests.Onnx;

/// <summary>The AlexNet/CaffeNet path on an ONNX file the test builds (paper topology, seeded weights).</summary>
public class AlexNetRepresentationTests
{
    private static string ModelPath()
    {
        string path = Path.Combine(Path.GetTempPath(), "fi-caffenet-test.onnx");
        File.WriteAllBytes(path, AlexNetOnnx.Build());
        return path;
    }

    [Fact]
    public void LayersAreFoundByStructureWithThePapersShapes()
    {
        string path = ModelPath();
        var expected = new Dictionary<string, FeatureShape>
        {
            ["conv1"] = new(12, 55, 55), ["conv2"] = new(32, 27, 27), ["conv3"] = new(48, 13, 13), ["conv4"] = new(48, 13, 13),
            ["conv5"] = new(32, 13, 13), ["fc6"] = new(512, 1, 1), ["fc7"] = new(512, 1, 1), ["fc8"] = new(1000, 1, 1),
        };
        var image = FeatureInversion.Imaging.ImageFiles.CenterSquare(TestData.LoadPhoto("astronaut-300x300.jpg"), 64).ToGray();
        foreach (var layer in AlexNetRepresentation.Layers)
        {
            using var rep = new AlexNetRepresentation(path, layer);
            Assert.Equal(227, rep.InputSize);
            Assert.Equal(expected[layer], rep.OutputShape(64, 64));
            var map = rep.Extract(image);
            Assert.All(map.Data, v => Assert.True(float.IsFinite(v)));
            if (layer != "fc8") Assert.All(map.Data, v => Assert.True(v >= 0, $"{layer} is taken after its ReLU"));
        }
        var graph = OnnxGraph.Load(path);
        Assert.Equal(["relu1", "relu2", "relu3", "relu4", "relu5", "relu6", "relu7", "fc8"], AlexNetRepresentation.Layers.Select(l => AlexNetRepresentation.FindLayer(graph, l)));
    }

    [Fact]
    public void TheImporterMatchesOnnxRuntimeOnLrnGroupedConvolutionsGemmAndSoftmax()
    {
        byte[] bytes = AlexNetOnnx.Build();
        var random = new Random(3);
        var input = Enumerable.Range(0, 3 * 227 * 227).Select(_ => (float)(random.NextDouble() * 255 - 120)).ToArray();
        string[] taps = ["norm2", "relu5", "relu7", "prob"];
        var model = ModelProto.Parser.ParseFrom(bytes);
        foreach (var t in taps.Where(t => model.Graph.Output.All(o => o.Name != t))) model.Graph.Output.Add(new ValueInfoProto { Name = t });
        using var session = new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(model));
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("data", new DenseTensor<float>(input, [1, 3, 227, 227]))], taps);
        var expected = results.ToDictionary(r => r.Name, r => r.AsTensor<float>().ToArray());

        using var net = new OnnxNetwork(OnnxGraph.Parse(bytes, "caffenet"));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ours = net.Forward(tensor(input, [1, 3, 227, 227]), taps);
        foreach (var t in taps)
        {
            var a = expected[t];
            var b = ours[t].contiguous().data<float>().ToArray();
            double scale = a.Max(Math.Abs), worst = a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(worst <= 1e-4 * scale, $"{t}: max |difference| {worst:G3} vs scale {scale:G3}");
        }
    }

    [Fact]
    public void AFileThatIsNotAnAlexNetIsRefused()
    {
        var e = Assert.Throws<OnnxImportException>(() => new AlexNetRepresentation(CnnModels.ResNet18File, "conv1"));
        Assert.Contains("not an AlexNet", e.Message);
    }
}
