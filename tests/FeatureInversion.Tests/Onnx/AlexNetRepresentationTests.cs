using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using static TorchSharp.torch;

namespace FeatureInversion.Tests.Onnx;

/// <summary>The AlexNet/CaffeNet path on an ONNX file the test builds (paper topology, seeded weights).</summary>
public class AlexNetRepresentationTests
{
    internal static string ModelPath()
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
            // The paper's Table 1 sizes: CONV1 after norm1 27², CONV2 after norm2 13², CONV5 after pool5 6².
            ["conv1"] = new(12, 27, 27),
            ["conv2"] = new(32, 13, 13),
            ["conv3"] = new(48, 13, 13),
            ["conv4"] = new(48, 13, 13),
            ["conv5"] = new(32, 6, 6),
            ["fc6"] = new(512, 1, 1),
            ["fc7"] = new(512, 1, 1),
            ["fc8"] = new(1000, 1, 1),
        };
        var image = FeatureInversion
            .Imaging.ImageFiles.CenterSquare(TestData.LoadPhoto("astronaut-300x300.jpg"), 64)
            .ToGray();
        foreach (var layer in AlexNetRepresentation.Layers)
        {
            using var rep = new AlexNetRepresentation(path, layer);
            Assert.Equal(227, rep.InputSize);
            Assert.Equal(expected[layer], rep.OutputShape(64, 64));
            var map = rep.Extract(image);
            Assert.All(map.Data, v => Assert.True(float.IsFinite(v)));
            if (layer != "fc8")
                Assert.All(map.Data, v =>
                    Assert.True(
                        v >= 0,
                        $"{layer} is taken after its ReLU (and the pooling and normalisation that follow it)"
                    )
                );
        }
        var graph = OnnxGraph.Load(path);
        Assert.Equal(
            ["norm1", "norm2", "relu3", "relu4", "pool5", "relu6", "relu7", "fc8"],
            AlexNetRepresentation.Layers.Select(l => AlexNetRepresentation.FindLayer(graph, l))
        );
    }

    [Fact]
    public void EveryLayersDecoderBuildsAtThePapersSizesAndDecodesItsFeatures()
    {
        var registry = CnnRepresentations.All(ModelPath());
        var expected = new Dictionary<string, int[]>
        {
            ["conv1"] = [54, 108, 216],
            ["conv2"] = [26, 52, 104, 208],
            ["conv3"] = [26, 52, 104, 208],
            ["conv4"] = [26, 52, 104, 208],
            ["conv5"] = [12, 24, 48, 96, 192],
            ["fc6"] = [64, 128, 256],
            ["fc7"] = [64, 128, 256],
            ["fc8"] = [64, 128, 256],
        };
        var image = FeatureInversion
            .Imaging.ImageFiles.CenterSquare(TestData.LoadPhoto("chelsea-451x300.jpg"), 227)
            .ToGray();
        foreach (var layer in AlexNetRepresentation.Layers)
        {
            var descriptor = registry.Get(AlexNetRepresentation.Prefix + layer);
            var sizes = FeatureInversion.Models.DecoderArchitecture.SizesFor(descriptor);
            Assert.Equal(expected[layer], sizes);
            int size = sizes[^1]; // 216, 208, 192 (Table 6) for the conv layers
            var spec = FeatureInversion.Models.DecoderArchitecture.For(descriptor, size, 0.0625);
            Assert.Equal(
                layer.StartsWith("fc") ? "Table 7" : "Table 6",
                FeatureInversion.Models.DecoderArchitecture.TableOf(descriptor.Decoder)
            );
            using var network = new FeatureInversion.Decoders.DecoderNetwork(spec);
            using var extractor = (AlexNetRepresentation)descriptor.Create();
            var decoded = FeatureInversion.Decoders.Inference.DecoderInference.Decode(
                network,
                [extractor.Extract(image)]
            );
            Assert.Equal((size, size), (decoded[0].Width, decoded[0].Height));
        }
    }

    [Fact]
    public void TheImporterMatchesOnnxRuntimeOnLrnGroupedConvolutionsGemmAndSoftmax()
    {
        byte[] bytes = AlexNetOnnx.Build();
        var random = new Random(3);
        var input = Enumerable.Range(0, 3 * 227 * 227).Select(_ => (float)(random.NextDouble() * 255 - 120)).ToArray();
        string[] taps = ["norm2", "relu5", "relu7", "prob"];
        var model = ModelProto.Parser.ParseFrom(bytes);
        foreach (var t in taps.Where(t => model.Graph.Output.All(o => o.Name != t)))
            model.Graph.Output.Add(new ValueInfoProto { Name = t });
        using var session = new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(model));
        using var results = session.Run(
            [NamedOnnxValue.CreateFromTensor("data", new DenseTensor<float>(input, [1, 3, 227, 227]))],
            taps
        );
        var expected = results.ToDictionary(r => r.Name, r => r.AsTensor<float>().ToArray());

        using var net = new OnnxNetwork(OnnxGraph.Parse(bytes, "caffenet"));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ours = net.Forward(tensor(input, [1, 3, 227, 227]), taps);
        foreach (var t in taps)
        {
            var a = expected[t];
            var b = ours[t].contiguous().data<float>().ToArray();
            double scale = a.Max(Math.Abs),
                worst = a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(worst <= 1e-4 * scale, $"{t}: max |difference| {worst:G3} vs scale {scale:G3}");
        }
    }

    [Fact]
    public void AFileThatIsNotAnAlexNetIsRefused()
    {
        var e = Assert.Throws<OnnxImportException>(() => new AlexNetRepresentation(TestData.ResNet18.Model, "conv1"));
        Assert.Contains("not an AlexNet", e.Message);
    }
}
