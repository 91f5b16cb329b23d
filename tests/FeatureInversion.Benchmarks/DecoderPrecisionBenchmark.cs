using System.Globalization;
using FeatureInversion.Decoders.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Benchmarks;

/// <summary>
/// Issue 28's untried decoder settings, measured on the shipped 64-px decoders: inference in float32 and bfloat16
/// (oneDNN's AVX512-BF16 kernels where the CPU has them), each with the activations and weights in PyTorch's default
/// layout (NCHW) and channels-last (NHWC strides, which PyTorch hands to oneDNN as such). Speed: rounds of every
/// variant in turn on random inputs, medians and the ratio to float32 NCHW. Accuracy: the test photos' features
/// decoded by each variant against float32 NCHW, in 8-bit steps (max and mean |Δ| × 255), and the paper's normalised
/// error of each.
/// </summary>
internal static class DecoderPrecisionBenchmark
{
    private sealed record Variant(string Name, ScalarType Type, bool ChannelsLast);

    private static readonly Variant[] Variants =
    [
        new("float32 NCHW", ScalarType.Float32, false),
        new("float32 NHWC", ScalarType.Float32, true),
        new("bfloat16 NCHW", ScalarType.BFloat16, false),
        new("bfloat16 NHWC", ScalarType.BFloat16, true),
    ];

    public static int Run(string[] args)
    {
        string Option(string name, string fallback) =>
            Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        double seconds = double.Parse(Option("--seconds", "2"), CultureInfo.InvariantCulture);
        int rounds = int.Parse(Option("--rounds", "3"), CultureInfo.InvariantCulture);
        int threads = int.Parse(Option("--threads", "1"), CultureInfo.InvariantCulture);
        string images = Option("--images", "data/photos/test");
        string models = Option("--models", "models");
        torch.set_num_threads(threads);
        var photos = Directory
            .EnumerateFiles(images)
            .Where(ImageFiles.HasPhotoExtension)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (photos.Count < 2)
        {
            Console.Error.WriteLine($"{images}: the accuracy columns need at least two photos");
            return 2;
        }
        Console.WriteLine(
            $"# libtorch threads {torch.get_num_threads()}, kernels {TorchKernels.Current}; {photos.Count} photos "
                + $"of {images}; speed: batch 64 of random inputs, {rounds} rounds of >= {seconds} s per variant"
        );
        Console.WriteLine(
            "| decoder | variant | inference (img/s, median) | ÷ float32 NCHW | max abs Δ × 255 | mean abs Δ × 255 "
                + "| normalised error |"
        );
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var representation in new[] { "hog", "sift-grid", "lbp" })
        {
            string directory = Path.Combine(models, $"{representation}-64px-w0.25");
            var networks = Variants.ToDictionary(v => v, v => LoadAs(directory, v));
            var spec = networks[Variants[0]].Spec;
            var (targets, features) = PhotoFeatures(spec, photos);
            var outputs = Variants.ToDictionary(v => v, v => Decode(networks[v], features, spec, v));
            var rates = Variants.ToDictionary(v => v, _ => new List<double>());
            for (int round = 0; round < rounds; round++)
                foreach (var variant in Variants)
                {
                    var network = networks[variant];
                    using var input = Prepare(
                        randn(64, spec.Input.Channels, spec.Input.Rows, spec.Input.Cols),
                        variant
                    );
                    rates[variant]
                        .Add(StepRate.Measure(seconds, 64, () =>
                            {
                                using var scope = NewDisposeScope();
                                using var noGrad = no_grad();
                                network.call(input);
                            }));
                }
            foreach (var network in networks.Values)
                network.Dispose();
            var reference = outputs[Variants[0]];
            double baseline = Timing.Median(rates[Variants[0]]);
            int pixels = 3 * spec.ImageSize * spec.ImageSize;
            double norm = ReconstructionMetrics.MeanPairwiseDistance(targets);
            foreach (var variant in Variants)
            {
                var output = outputs[variant];
                double max = 0,
                    sum = 0;
                for (int i = 0; i < output.Length; i++)
                {
                    double d = Math.Abs(output[i] - reference[i]);
                    max = Math.Max(max, d);
                    sum += d;
                }
                var reconstructions = Enumerable
                    .Range(0, targets.Count)
                    .Select(i => output[(i * pixels)..((i + 1) * pixels)])
                    .ToList();
                double error = ReconstructionMetrics.NormalizedError(targets, reconstructions, norm);
                double rate = Timing.Median(rates[variant]);
                Console.WriteLine(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"| {representation} | {variant.Name} | {rate:F0} | {rate / baseline:F2} | {max * 255:F2} | "
                            + $"{sum / output.Length * 255:F3} | {error:F4} |"
                    )
                );
            }
        }
        return 0;
    }

    /// <summary>The decoder's view of each photo (its input square) and that view's features, as the pipeline makes
    /// them.</summary>
    private static (List<float[]> Targets, List<FeatureMap> Features) PhotoFeatures(
        DecoderSpec spec,
        List<string> photos
    )
    {
        using var extractor = spec.Representation.Create();
        var targets = new List<float[]>();
        var features = new List<FeatureMap>();
        foreach (var path in photos)
        {
            var input = ImageFiles.CenterSquare(ImageFiles.Load(path), spec.ImageSize);
            targets.Add(input.Planes);
            features.Add(extractor.Extract(input));
        }
        return (targets, features);
    }

    private static DecoderNetwork LoadAs(string directory, Variant variant)
    {
        var (network, _) = DecoderCheckpoint.Load(directory, Benchmark.Registry);
        network.eval();
        if (variant.Type != ScalarType.Float32)
            network.to(variant.Type);
        if (variant.ChannelsLast)
        {
            // The parameters take the NHWC storage; the permuted views in between go with the scope.
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            foreach (var p in network.parameters().Where(p => p.dim() == 4))
                p.set_(ChannelsLast(p));
        }
        return network;
    }

    /// <summary>The same values with NHWC strides (TorchSharp 0.107 has no memory_format conversion): permuted,
    /// made contiguous, permuted back.</summary>
    private static Tensor ChannelsLast(Tensor t) => t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    private static Tensor Prepare(Tensor input, Variant variant)
    {
        var x = variant.Type == ScalarType.Float32 ? input : input.to(variant.Type, disposeAfter: true);
        return variant.ChannelsLast ? ChannelsLast(x) : x;
    }

    /// <summary>All feature maps in one batch, decoded and clamped to [0, 1] as the pipeline does, as
    /// float32.</summary>
    private static float[] Decode(DecoderNetwork network, List<FeatureMap> features, DecoderSpec spec, Variant variant)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var data = features.SelectMany(f => f.Data).ToArray();
        var x = Prepare(tensor(data, [features.Count, spec.Input.Channels, spec.Input.Rows, spec.Input.Cols]), variant);
        var y = network.call(x).to(ScalarType.Float32).clamp(0, 1).contiguous();
        return y.data<float>().ToArray();
    }
}
