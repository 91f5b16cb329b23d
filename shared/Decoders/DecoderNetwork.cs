using FeatureInversion.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FeatureInversion.Decoders;

/// <summary>
/// A decoder f(φ, W) built from a <see cref="DecoderSpec"/>: maps a batch of feature maps (B × C × h × w) to
/// images (B × 3 × S × S) in [0, 1] terms. The network predicts the image minus 0.5 (a centred target trains
/// faster); <see cref="forward"/> adds the 0.5 back. Layer names become checkpoint keys.
/// </summary>
public sealed class DecoderNetwork : nn.Module<Tensor, Tensor>
{
    /// <summary>Slope of the leaky ReLU after every layer but the last (the paper's 0.2).</summary>
    public const double LeakySlope = 0.2;
    // TorchSharp names the parameters after the field: checkpoints store "layers.<name>.weight".
#pragma warning disable IDE1006
    private readonly LayerTable layers = new();
#pragma warning restore IDE1006

    public DecoderNetwork(DecoderSpec spec)
        : base($"decoder_{spec.Representation.Name.Replace('-', '_')}")
    {
        Spec = spec;
        // before the first convolution of the process: which kernels are trustworthy here
        Platform.TorchKernels.EnsureSelected();
        foreach (var l in spec.Layers)
        {
            nn.Module<Tensor, Tensor> module = l.Kind switch
            {
                LayerKind.Conv => nn.Conv2d(
                    l.InChannels,
                    l.OutChannels,
                    l.Kernel,
                    stride: l.Stride,
                    padding: l.Padding
                ),
                LayerKind.Fc => nn.Linear(l.InChannels, l.OutChannels * l.OutSize * l.OutSize),
                _ => nn.ConvTranspose2d(
                    l.InChannels,
                    l.OutChannels,
                    l.Kernel,
                    stride: l.Stride,
                    padding: l.Padding,
                    output_padding: l.OutputPadding
                ),
            };
            layers.Add(l.Name, module);
        }
        RegisterComponents();
        InitializeWeights();
    }

    public DecoderSpec Spec { get; }

    public long ParameterCount => parameters().Sum(p => p.numel());

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var outputs = new Dictionary<string, Tensor> { ["input"] = input };
        Tensor x = input;
        foreach (var l in Spec.Layers)
        {
            x = l.Inputs.Count == 1 ? outputs[l.Inputs[0]] : cat(l.Inputs.Select(i => outputs[i]).ToList(), 1);
            x = layers.Get(l.Name) switch
            {
                Linear fc => fc.call(x.flatten(1)).reshape(-1, l.OutChannels, l.OutSize, l.OutSize),
                Conv2d conv => Platform.ChannelPadding.Conv2d(x, conv.weight!, conv.bias, l.Stride, l.Padding),
                var module => module.call(x),
            };
            if (l.Activation)
                x = nn.functional.leaky_relu(x, LeakySlope);
            outputs[l.Name] = x;
        }
        return (x + 0.5).MoveToOuterDisposeScope();
    }

    /// <summary>He (Kaiming) initialisation for leaky ReLU 0.2, zero biases; the output layer starts small.</summary>
    private void InitializeWeights()
    {
        using var noGrad = no_grad();
        foreach (var l in Spec.Layers)
        {
            var module = layers.Get(l.Name);
            var (weight, bias) = module switch
            {
                Conv2d c => (c.weight!, c.bias),
                ConvTranspose2d t => (t.weight!, t.bias),
                Linear f => (f.weight!, f.bias),
                _ => throw new InvalidOperationException(),
            };
            nn.init.kaiming_normal_(weight, LeakySlope, nn.init.FanInOut.FanIn, nn.init.NonlinearityType.LeakyReLU);
            if (!l.Activation)
                weight.mul_(0.1);
            bias?.zero_();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            layers.Dispose();
        base.Dispose(disposing);
    }
}
