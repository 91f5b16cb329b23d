using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Platform;
using static TorchSharp.torch;

namespace FeatureInversion.Training;

/// <summary>
/// One training step's arithmetic of a decoder on the kernels in use, against ATen's native kernels: the output and
/// every parameter's gradient of the squared loss on random features and targets (batch 4, seeded). The start-up
/// <see cref="KernelSelfCheck"/> covers the forward layers only; on an AMD family 1Ah host oneDNN's backward kernels
/// gave gradients 43–82 % off for the width-1/16 networks (layers of 8 and 16 channels) while their forward passes
/// and the width-¼ networks agreed within 4e-6 (docs/platform.md). Training runs it before its first step.
/// </summary>
public static class GradientCheck
{
    /// <summary>Largest deviation allowed, relative to each gradient's largest value (float32 sums in another order
    /// stay under 1e-5).</summary>
    public const double Tolerance = 1e-3;

    public sealed record Result(bool Passed, double OutputDeviation, double GradientDeviation, string? Worst)
    {
        public override string ToString() =>
            $"output {OutputDeviation:0.0e+0}, gradients {GradientDeviation:0.0e+0} relative"
            + (Worst is null ? "" : $" (worst {Worst})");
    }

    /// <summary>Compares a step on the current kernels with one on the native kernels; the network's weights are not
    /// changed and its gradients are cleared afterwards. Not meaningful (and skipped by callers) when the kernels in
    /// use are the native ones or the network is not on the CPU.</summary>
    public static Result Run(DecoderNetwork network, int batch = 4, long seed = 20161)
    {
        var spec = network.Spec;
        var first = spec.Layers[0];
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        var input = randn([batch, first.InChannels, first.InSize, first.InSize], generator: generator);
        var target = rand([batch, 3, spec.ImageSize, spec.ImageSize], generator: generator);
        var names = network.named_parameters().Select(p => p.name).ToList();
        var (output, gradients) = Step(network, input, target);
        var (nativeOutput, nativeGradients) = TorchKernels.WithNative(() => Step(network, input, target));
        network.zero_grad();
        double outputDeviation = Deviation(output, nativeOutput, 1);
        double worst = 0;
        string? worstName = null;
        for (int i = 0; i < gradients.Count; i++)
        {
            double scale = nativeGradients[i].abs().max().item<float>();
            double d = Deviation(gradients[i], nativeGradients[i], scale > 0 ? scale : 1);
            if (!(d <= worst))
            {
                worst = d;
                worstName = names[i];
            }
        }
        bool passed = outputDeviation <= Tolerance && worst <= Tolerance;
        return new(passed, outputDeviation, worst, worstName);
    }

    private static (Tensor Output, List<Tensor> Gradients) Step(DecoderNetwork network, Tensor input, Tensor target)
    {
        network.zero_grad();
        var output = network.call(input);
        nn.functional.mse_loss(output, target).backward();
        return (output.detach(), network.parameters().Select(p => p.grad!.detach().clone()).ToList());
    }

    /// <summary>Largest absolute difference over <paramref name="scale"/>; ∞ where either is not finite.</summary>
    private static double Deviation(Tensor a, Tensor b, double scale)
    {
        if (!isfinite(a).all().item<bool>() || !isfinite(b).all().item<bool>())
            return double.PositiveInfinity;
        return (a - b).abs().max().item<float>() / scale;
    }
}
