using static TorchSharp.torch;

namespace FeatureInversion.Onnx;

/// <summary>
/// A CNN representation computed on a whole batch at once, on a device: training extracts these features inside the
/// step from the batch's colour images (rgb2gray, then the network), instead of image by image on the CPU, which is
/// several times slower and would need a feature cache.
/// </summary>
public interface IBatchEncoder : IDisposable
{
    /// <summary>Features (N × C × h × w) of colour images in [0, 1] (N × 3 × S × S) on the encoder's device; no
    /// gradients.</summary>
    Tensor Encode(Tensor rgb);

    /// <summary>The same features as a differentiable expression of <paramref name="rgb"/> (the network's weights stay
    /// fixed): what optimization-based inversion descends through.</summary>
    Tensor EncodeWithGradient(Tensor rgb);
}

/// <summary>A representation that can give an <see cref="IBatchEncoder"/>.</summary>
public interface IBatchEncodable
{
    /// <summary>An encoder whose network lives on <paramref name="device"/> (its own copy: disposing it leaves the
    /// representation usable).</summary>
    IBatchEncoder CreateEncoder(Device device);
}

/// <summary>rgb2gray (<see cref="Imaging.Grayscale"/> weights) of an N × 3 × H × W batch as an N × 1 × H × W tensor
/// expression (differentiable, on the batch's device): the CNN representations' input from colour crops.</summary>
public static class TensorGrayscale
{
    public static Tensor Of(Tensor rgb) =>
        rgb[.., 0..1] * Imaging.Grayscale.RedWeight
        + rgb[.., 1..2] * Imaging.Grayscale.GreenWeight
        + rgb[.., 2..3] * Imaging.Grayscale.BlueWeight;
}

internal sealed class NetworkEncoder(OnnxNetwork network, Func<Tensor, Tensor> encode) : IBatchEncoder
{
    public Tensor Encode(Tensor rgb)
    {
        using var noGrad = no_grad();
        return encode(rgb);
    }

    public Tensor EncodeWithGradient(Tensor rgb) => encode(rgb);

    public void Dispose() => network.Dispose();
}
