using System.Runtime.Intrinsics.X86;
using FeatureInversion.Decoders.Platform;
using FeatureInversion.Tests.Reliability;
using static TorchSharp.torch;

namespace FeatureInversion.Tests.Platform;

/// <summary>
/// The decoders' arithmetic against a float64 reference, whatever kernels libtorch picks on this CPU
/// (docs/platform.md, "oneDNN up-convolutions"). A batch-consistency check passes a wrong kernel; these do not.
/// </summary>
[Trait(Tiers.Name, Tiers.Fault)]
public class DecoderArithmeticTests
{
    public static TheoryData<string> ShippedDecoders
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (
                var manifest in Directory
                    .EnumerateFiles(
                        Path.Combine(TestData.Root, "models"),
                        DecoderManifest.FileName,
                        SearchOption.AllDirectories
                    )
                    .Order()
            )
                data.Add(Path.GetRelativePath(TestData.Root, Path.GetDirectoryName(manifest)!));
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ShippedDecoders))]
    public void EveryShippedDecoderMatchesTheFloat64ReferenceWithinOneGrayLevel(string folder)
    {
        var (network, _) = DecoderCheckpoint.Load(Path.Combine(TestData.Root, folder), TestData.Representations);
        using (network)
        {
            var (_, _, features) = DecoderEvaluation.TestSet(
                network.Spec.Representation,
                TestData.PhotosDirectory,
                network.Spec.ImageSize,
                perPhoto: 1
            );
            features = features.Take(3).ToList();
            var decoded = DecoderInference.Decode(network, features);
            var expected = ReferenceForward.Run(network.Spec, network, features.Select(f => f.Data));
            for (int i = 0; i < features.Count; i++)
            {
                var got = decoded[i].Planes;
                double max = 0;
                for (int j = 0; j < got.Length; j++)
                    max = Math.Max(max, Math.Abs(got[j] - Math.Clamp(expected[i][j], 0, 1)));
                Assert.True(
                    max <= 1.0 / 255,
                    $"{folder}, crop {i}: {max * 255:0.000}/255 from the float64 reference with kernels "
                        + $"{TorchKernels.Current}"
                );
            }
        }
    }

    [Fact]
    public void ReferenceForwardIsPyTorchsDefinitionOnAHandComputedUpConvolution()
    {
        // 1 channel, 2x2 input, 2x2 kernel, stride 2, no padding: each input pixel paints its own 2x2 block, scaled.
        var (y, channels, size) = ReferenceForward.ConvTranspose2d(
            [1, 2, 3, 4],
            1,
            2,
            [1, 10, 100, 1000],
            [0.5],
            1,
            2,
            2,
            0,
            0
        );
        Assert.Equal((1, 4), (channels, size));
        Assert.Equal(
            [1.5, 10.5, 2.5, 20.5, 100.5, 1000.5, 200.5, 2000.5, 3.5, 30.5, 4.5, 40.5, 300.5, 3000.5, 400.5, 4000.5],
            y
        );
        // 3x3 input, 3x3 kernel of ones, padding 1: the sum of each pixel's neighbourhood.
        var (c, _, _) = ReferenceForward.Conv2d(
            [1, 2, 3, 4, 5, 6, 7, 8, 9],
            1,
            3,
            Enumerable.Repeat(1.0, 9).ToArray(),
            [0],
            1,
            3,
            1,
            1
        );
        Assert.Equal([12, 21, 16, 27, 45, 33, 24, 39, 28], c);
    }

    [Fact]
    public void TheProcessKernelsPassTheSelfCheckOrAreNative()
    {
        var selection = TorchKernels.Current;
        Assert.Equal(selection.Backend == KernelBackend.OneDnn, TorchKernels.MkldnnEnabled);
        Assert.False(TorchKernels.NnpackEnabled); // a path no check covers
        if (selection.Backend == KernelBackend.OneDnn)
            Assert.True(KernelSelfCheck.Run().Passed, selection.ToString());
        // check-kernels' per-layer report: every layer kind, each within the tolerance on the kernels in use
        var all = KernelSelfCheck.Run(allLayers: true);
        Assert.Equal(10, all.Layers.Count);
        Assert.Equal(2, all.Layers.Count(l => l.Canary)); // reported, not part of the verdict
        Assert.All(all.Layers.Where(l => !l.Canary), l => Assert.True(l.Passed, $"{l.Name}: {l.MaxDeviation}"));
        Assert.Equal(all.Layers.Where(l => !l.Canary).Max(l => l.MaxDeviation), all.MaxDeviation);
    }

    [Fact]
    public void TrainingStepsOnTheProcessKernelsAgreeWithTheNativeOnesOrTrainingFallsBackToThem()
    {
        random.manual_seed(11);
        using var network = new DecoderNetwork(DecoderArchitecture.For(TestData.Representation("lbp"), 64, 0.0625));
        var before = network.parameters().Select(p => p.detach().clone()).ToList();
        string found = FeatureInversion.Training.DecoderTrainer.CheckTrainingKernels(network);
        Assert.Contains("kernels:", found);
        var check = FeatureInversion.Training.GradientCheck.Run(network);
        Assert.True(check.Passed || TorchKernels.Current.Backend == KernelBackend.Native, $"{check}; {found}");
        // the check neither moves the weights nor leaves gradients behind
        Assert.All(network.parameters().Zip(before), p =>
            Assert.Equal(0, (p.First.detach() - p.Second).abs().max().item<float>())
        );
        Assert.All(network.parameters(), p => Assert.True(p.grad is null || p.grad.abs().max().item<float>() == 0));
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(8, 8)]
    [InlineData(16, 16)]
    [InlineData(31, 32)] // HOG
    [InlineData(58, 64)] // LBP
    [InlineData(64, 64)]
    [InlineData(133, 144)] // SIFT-grid
    public void ConvolutionsRunOnChannelsPaddedToWholeBlocksOfSixteen(int channels, int padded)
    {
        Assert.Equal(padded, ChannelPadding.Padded(channels));
        // the padded convolution is the plain one (zeros add nothing), gradients included
        random.manual_seed(channels);
        using var scope = NewDisposeScope();
        var x = randn(2, channels, 8, 8);
        var w = randn(16, channels, 5, 5).requires_grad_();
        var b = randn(16);
        var viaPadding = ChannelPadding.Conv2d(x, w, b, 2, 2);
        Assert.Equal([2L, 16, 4, 4], viaPadding.shape);
        var expected = ReferenceForward
            .Conv2d(
                Array.ConvertAll(x[0].data<float>().ToArray(), v => (double)v),
                channels,
                8,
                Array.ConvertAll(w.detach().data<float>().ToArray(), v => (double)v),
                Array.ConvertAll(b.data<float>().ToArray(), v => (double)v),
                16,
                5,
                2,
                2
            )
            .Data;
        var got = viaPadding[0].detach().contiguous().data<float>().ToArray();
        for (int i = 0; i < got.Length; i++)
            Assert.True(Math.Abs(got[i] - expected[i]) < 1e-3, $"{i}: {got[i]} vs {expected[i]}");
        var gradient = autograd.grad([viaPadding.sum()], [w])[0];
        Assert.Equal(w.shape, gradient.shape);
    }

    [Fact]
    public void NonFiniteOutputsAreFailuresNotResultsAndDoNotSwitchKernelsWhenTheNetworkIsAtFault()
    {
        var before = TorchKernels.Current;
        random.manual_seed(3);
        using var network = new DecoderNetwork(DecoderArchitecture.For(TestData.Representation("hog"), 64, 0.0625));
        var features = TestData.Crops("hog", 3, seed: 4);
        var maps = Enumerable.Range(0, features.Count).Select(i => Map(features, i)).ToList();
        Assert.All(DecoderInference.DecodeEach(network, maps), image => Assert.NotNull(image));
        using (no_grad())
        {
            var bias = network
                .named_parameters()
                .Single(p => p.name == $"layers.{network.Spec.Output.Name}.bias")
                .parameter;
            bias[0] = float.NaN; // the red plane of every output
        }
        Assert.All(DecoderInference.DecodeEach(network, maps), image => Assert.Null(image));
        var e = Assert.Throws<NonFiniteOutputException>(() => DecoderInference.Decode(network, maps));
        Assert.Equal([0, 1, 2], e.Items);
        Assert.Equal(before, TorchKernels.Current); // native kernels gave NaN too: the network, not oneDNN, is at fault
    }

    [Fact]
    public void FeaturesWithNaNAreRefusedBeforeDecoding()
    {
        using var network = new DecoderNetwork(DecoderArchitecture.For(TestData.Representation("hog"), 64, 0.0625));
        var map = Map(TestData.Crops("hog", 1, seed: 5), 0);
        map.Data[7] = float.PositiveInfinity;
        Assert.Contains(
            "NaN or infinite",
            Assert.Throws<ArgumentException>(() => DecoderInference.Decode(network, [map])).Message
        );
    }

    private static FeatureInversion.Features.FeatureMap Map(
        FeatureInversion.Training.Data.FeatureDataset data,
        int i
    ) => new(data.Shape, data.Features.AsSpan(i * data.Shape.Length, data.Shape.Length).ToArray());

    /// <summary>The ISA levels this CPU runs, as oneDNN names them for DNNL_MAX_CPU_ISA ("" = oneDNN's own
    /// choice).</summary>
    public static TheoryData<string> IsaLevels
    {
        get
        {
            var data = new TheoryData<string> { "", "SSE41" };
            if (Avx2.IsSupported)
                data.Add("AVX2");
            if (Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported)
                data.Add("AVX512_CORE");
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(IsaLevels))]
    public async Task EveryDecoderIsWithinOneGrayLevelOfTheReferenceUnderEachOneDnnIsaLevel(string isa)
    {
        // oneDNN reads its ISA limit once per process, so each level runs the check-kernels verb in a process of its
        // own, with oneDNN forced (no self-check, no fallback): what the kernels of that level compute, compared with
        // float64.
        var environment = new Dictionary<string, string> { [TorchKernels.OverrideVariable] = "onednn" };
        if (isa != "")
            environment["DNNL_MAX_CPU_ISA"] = isa;
        var run = await MeasuredProcess.RunAsync(
            "FeatureInversion.Trainer.dll",
            [
                "check-kernels",
                Path.Combine(TestData.Root, "models"),
                "--test",
                TestData.PhotosDirectory,
                "--per-photo",
                "2",
                "--repeat",
                "2",
                "--reference-items",
                "2",
            ],
            TimeSpan.FromMinutes(3),
            environment
        );
        Assert.True(run.ExitCode == 0, $"DNNL_MAX_CPU_ISA={isa}: exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
        Assert.Contains($"oneDNN max ISA: {(isa == "" ? "default" : isa)}", run.Stdout);
        Assert.Matches(@"total: 0 non-finite of \d+ decodes; 0 decoder\(s\) failed", run.Stdout);
    }

    [Theory]
    [InlineData("native", "native (")]
    [InlineData("sse41", "onednn max ISA SSE41")]
    public async Task TheWorkaroundsComputeTheSameDecodersAsTheReference(string mode, string expected)
    {
        var run = await MeasuredProcess.RunAsync(
            "FeatureInversion.Trainer.dll",
            [
                "check-kernels",
                Path.Combine(TestData.Root, "models"),
                "--test",
                TestData.PhotosDirectory,
                "--per-photo",
                "1",
                "--reference-items",
                "2",
            ],
            TimeSpan.FromMinutes(3),
            new Dictionary<string, string> { [TorchKernels.OverrideVariable] = mode }
        );
        Assert.True(run.ExitCode == 0, $"{mode}: exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
        Assert.Contains($"kernels: {expected}", run.Stdout);
        if (mode == "sse41")
            Assert.Contains("oneDNN max ISA: SSE41", run.Stdout); // set in-process by setenv, seen by getenv
    }
}
