using static TorchSharp.torch;

namespace FeatureInversion.Decoders.Platform;

/// <summary>
/// Runs the decoders' kinds of layer (4×4 and 5×5 stride-2 up-convolutions, 3×3 and 5×5 convolutions, with the
/// channel counts the narrow decoders use, batch 8) through libtorch on fixed random data, three times each, and
/// compares every output with <see cref="ReferenceForward"/> in float64. A non-finite value or a deviation above
/// <see cref="Tolerance"/> fails it. Takes well under a second.
/// </summary>
public static class KernelSelfCheck
{
    /// <summary>Float32 sums of ≤ 800 unit-scale products stay within ~1e-5 of float64; a wrong kernel is off by ≥
    /// 0.01.</summary>
    public const double Tolerance = 1e-3;

    public sealed record Result(bool Passed, double MaxDeviation, string? Failure);

    private sealed record Problem(
        string Name,
        bool Transposed,
        int InChannels,
        int OutChannels,
        int Size,
        int Kernel,
        int Stride,
        int Padding,
        int OutputPadding
    );

    private static readonly Problem[] Problems =
    [
        new("upconv 4x4/2 64->32 @4", true, 64, 32, 4, 4, 2, 1, 0),
        new("upconv 4x4/2 16->8 @16", true, 16, 8, 16, 4, 2, 1, 0),
        new("upconv 4x4/2 8->3 @32", true, 8, 3, 32, 4, 2, 1, 0),
        new("upconv 5x5/2 32->16 @8", true, 32, 16, 8, 5, 2, 2, 1),
        new("conv 3x3/1 32->32 @8", false, 32, 32, 8, 3, 1, 1, 0),
        new("conv 5x5/2 31->64 @8", false, 31, 64, 8, 5, 2, 2, 0),
    ];

    public static Result Run(int batch = 8, int repeats = 3)
    {
        var random = new Random(20161);
        double max = 0;
        using var noGrad = no_grad();
        foreach (var p in Problems)
        {
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
            for (int r = 0; r < repeats; r++)
            {
                using var scope = NewDisposeScope();
                var input = tensor(x, [batch, p.InChannels, p.Size, p.Size]);
                var weight = tensor(w, weightShape);
                var bias = tensor(b, [p.OutChannels]);
                var y = p.Transposed
                    ? nn.functional.conv_transpose2d(
                        input,
                        weight,
                        bias,
                        strides: [p.Stride, p.Stride],
                        padding: [p.Padding, p.Padding],
                        output_padding: [p.OutputPadding, p.OutputPadding]
                    )
                    : nn.functional.conv2d(
                        input,
                        weight,
                        bias,
                        strides: [p.Stride, p.Stride],
                        padding: [p.Padding, p.Padding]
                    );
                var got = y.contiguous().data<float>().ToArray();
                int per = got.Length / batch;
                for (int i = 0; i < batch; i++)
                for (int j = 0; j < per; j++)
                {
                    double v = got[i * per + j];
                    if (!double.IsFinite(v))
                        return new(false, double.PositiveInfinity, $"{p.Name}: non-finite output (run {r + 1})");
                    double d = Math.Abs(v - expected[i][j]);
                    if (d > max)
                        max = d;
                    if (d > Tolerance)
                        return new(false, d, $"{p.Name}: off by {d:0.###e+0} (run {r + 1})");
                }
            }
        }
        return new(true, max, null);
    }

    private static float[] Uniform(Random random, int n, double scale)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++)
            values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return values;
    }
}
