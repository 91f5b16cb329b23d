using static TorchSharp.torch;

namespace FeatureInversion.Onnx;

/// <summary>
/// A representation whose encoder can be fine-tuned jointly with its decoder: the paper's autoencoders (§5.2). The
/// training and checkpoint code asks for this capability, not for a particular network.
/// </summary>
public interface ITrainableEncoding : IBatchEncodable
{
    /// <summary>A trainable copy of the encoder on <paramref name="device"/> (its parameters require
    /// gradients).</summary>
    ITrainableEncoder CreateTrainable(Device device);

    /// <summary>A frozen encoder on <paramref name="device"/> with weights saved from a trainable one
    /// (<see cref="ITrainableEncoder.Network"/>'s state).</summary>
    IBatchEncoder CreateEncoder(Device device, string fineTunedWeights);
}

/// <summary>A trainable encoder: its network (to optimise and save) and the representation's layer of an RGB
/// batch.</summary>
public interface ITrainableEncoder : IDisposable
{
    nn.Module Network { get; }

    /// <summary>The layer's activations for an N × 3 × H × W batch in [0, 1] (differentiable, on the network's
    /// device).</summary>
    Tensor Encode(Tensor rgb);
}
