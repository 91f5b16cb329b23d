using static TorchSharp.torch;

namespace FeatureInversion.Decoders.Platform;

/// <summary>
/// Runs the decoders' kinds of layer (4×4 and 5×5 stride-2 up-convolutions, 3×3 and 5×5 convolutions, with the
/// channel counts the narrow decoders use and their first layers as <see cref="ChannelPadding"/> runs them, batch 8)
/// through libtorch on fixed random data, three times each, and compares every output with <see
/// cref="ReferenceForward"/> in float64. A non-finite value or a deviation above <see cref="Tolerance"/> fails it.
/// Takes well under a second.
/// </summary>
public static class KernelSelfCheck
{
    /// <summary>Float32 sums of ≤ 800 unit-scale products stay within ~1e-5 of float64; a wrong kernel is off by ≥
    /// 0.01.</summary>
    public const double Tolerance = 1e-3;

    /// <summary>The verdict; <see cref="Layers"/> holds each layer kind checked (all of them with
    /// <c>allLayers</c>, else up to the first failure).</summary>
    public sealed record Result(bool Passed, double MaxDeviation, string? Failure)
    {
        public IReadOnlyList<LayerResult> Layers { get; init; } = [];
    }

    /// <summary>One layer kind: its largest deviation from float64 over the runs (∞ if a value was not finite).
    /// A <paramref name="Canary"/> is a shape the decoders do not run (a convolution over unpadded channels, see
    /// <see cref="ChannelPadding"/>): reported, not part of the verdict.</summary>
    public sealed record LayerResult(string Name, double MaxDeviation, bool Canary = false)
    {
        public bool Passed => MaxDeviation <= Tolerance;
    }

    private sealed record Problem(
        string Name,
        bool Transposed,
        int InChannels,
        int OutChannels,
        int Size,
        int Kernel,
        int Stride,
        int Padding,
        int OutputPadding,
        bool Canary = false
    );

    private static readonly Problem[] Problems =
    [
        new("upconv 4x4/2 64->32 @4", true, 64, 32, 4, 4, 2, 1, 0),
        new("upconv 4x4/2 16->8 @16", true, 16, 8, 16, 4, 2, 1, 0),
        new("upconv 4x4/2 8->3 @32", true, 8, 3, 32, 4, 2, 1, 0),
        new("upconv 5x5/2 32->16 @8", true, 32, 16, 8, 5, 2, 2, 1),
        new("conv 3x3/1 32->32 @8", false, 32, 32, 8, 3, 1, 1, 0),
        // the first layers of the HOG, LBP and SIFT-grid decoders, as they run: channels padded to 32, 64, 144
        new("conv 5x5/2 31->64 @8", false, 31, 64, 8, 5, 2, 2, 0),
        new("conv 5x5/2 58->64 @4", false, 58, 64, 4, 5, 2, 2, 0),
        new("conv 5x5/2 133->64 @16", false, 133, 64, 16, 5, 2, 2, 0),
        // the same unpadded (only with allLayers): wrong on an AMD family 1Ah host's AVX2/AVX-512 kernels
        new("conv 5x5/2 31->64 @8 unpadded", false, 31, 64, 8, 5, 2, 2, 0, Canary: true),
        new("conv 5x5/2 133->64 @16 unpadded", false, 133, 64, 16, 5, 2, 2, 0, Canary: true),
    ];

    /// <summary>Checks the layer kinds in turn; stops at the first failure unless <paramref name="allLayers"/> (to
    /// tell which kinds a faulty kernel affects: <c>check-kernels</c>).</summary>
    public static Result Run(int batch = 8, int repeats = 3, bool allLayers = false)
    {
        var random = new Random(20161);
        var layers = new List<LayerResult>();
        string? failure = null;
        using var noGrad = no_grad();
        foreach (var p in Problems.Where(p => allLayers || !p.Canary))
        {
            if (failure is not null && !allLayers)
                break;
            var weightShape = p.Transposed
                ? new long[] { p.InChannels, p.OutChannels, p.Kernel, p.Kernel }
                : [p.OutChannels, p.InChannels, p.Kernel, p.Kernel];
            var w = Uniform(
                random,
                (int)weightShape.Aggregate(1L, (a, b) => a * b),
                1.0 / Math.Sqrt(p.InChannels * p.Kernel * p.Kernel)
            );
            var b = Uniform(random, p.OutChannels, 0.1);
            int itemLength = p.InChannels * p.Size * p.Size;
            var x = Uniform(random, batch * itemLength, 1.0);
            var wd = Array.ConvertAll(w, v => (double)v);
            var bd = Array.ConvertAll(b, v => (double)v);
            var expected = new double[batch][];
            for (int i = 0; i < batch; i++)
            {
                var item = Array.ConvertAll(x[(i * itemLength)..((i + 1) * itemLength)], v => (double)v);
                expected[i] = p.Transposed
                    ? ReferenceForward
                        .ConvTranspose2d(
                            item,
                            p.InChannels,
                            p.Size,
                            wd,
                            bd,
                            p.OutChannels,
                            p.Kernel,
                            p.Stride,
                            p.Padding,
                            p.OutputPadding
                        )
                        .Data
                    : ReferenceForward
                        .Conv2d(item, p.InChannels, p.Size, wd, bd, p.OutChannels, p.Kernel, p.Stride, p.Padding)
                        .Data;
            }
            double layerMax = 0;
            for (int r = 0; r < repeats && (layerMax <= Tolerance || allLayers); r++)
            {
                using var scope = NewDisposeScope();
                var input = tensor(x, [batch, p.InChannels, p.Size, p.Size]);
                var weight = tensor(w, weightShape);
                var bias = tensor(b, [p.OutChannels]);
                var y =
                    p.Transposed
                        ? nn.functional.conv_transpose2d(
                            input,
                            weight,
                            bias,
                            strides: [p.Stride, p.Stride],
                            padding: [p.Padding, p.Padding],
                            output_padding: [p.OutputPadding, p.OutputPadding]
                        )
                    : p.Canary
                        ? nn.functional.conv2d(
                            input,
                            weight,
                            bias,
                            strides: [p.Stride, p.Stride],
                            padding: [p.Padding, p.Padding]
                        )
                    : ChannelPadding.Conv2d(input, weight, bias, p.Stride, p.Padding);
                var got = y.contiguous().data<float>().ToArray();
                int per = got.Length / batch;
                for (int i = 0; i < batch; i++)
                for (int j = 0; j < per; j++)
                {
                    double v = got[i * per + j];
                    double d = double.IsFinite(v) ? Math.Abs(v - expected[i][j]) : double.PositiveInfinity;
                    if (d > layerMax)
                    {
                        layerMax = d;
                        if (d > Tolerance && failure is null && !p.Canary)
                            failure = double.IsFinite(v)
                                ? $"{p.Name}: off by {d:0.###e+0} (run {r + 1})"
                                : $"{p.Name}: non-finite output (run {r + 1})";
                    }
                }
            }
            layers.Add(new LayerResult(p.Name, layerMax, p.Canary));
        }
        double max = layers.Where(l => !l.Canary).Max(l => l.MaxDeviation);
        return new(failure is null, max, failure) { Layers = layers };
    }

    private static float[] Uniform(Random random, int n, double scale)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++)
            values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return values;
    }
}
