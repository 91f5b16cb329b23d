using static TorchSharp.torch;

namespace FeatureInversion.Decoders.Platform;

/// <summary>
/// Convolutions over more than 16 input channels that are no multiple of 16 (the HOG, LBP and SIFT-grid decoders'
/// first layers: 31, 58 and 133 channels) run with their input and weights zero-padded to the next multiple of 16.
/// The sums are the same (the extra channels add exact zeros), but oneDNN then needs no padded tail in its blocked
/// layouts: on an AMD family 1Ah host its AVX2/AVX-512 convolutions gave values up to 0.23 off and NaN for exactly
/// those channel counts and were exact for multiples of 16 and for 3 or 8 channels (docs/platform.md, measured
/// 2026-12-06). The checkpoint keeps the unpadded weights; gradients reach them through the padding.
/// </summary>
public static class ChannelPadding
{
    public const int Block = 16;

    /// <summary>The input channels a convolution over <paramref name="channels"/> runs with.</summary>
    public static int Padded(int channels) =>
        channels <= Block || channels % Block == 0 ? channels : (channels + Block - 1) / Block * Block;

    /// <summary>conv2d (square stride and padding) with the input channels padded as <see cref="Padded"/>
    /// says.</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, long stride, long padding)
    {
        long channels = weight.shape[1];
        long extra = Padded((int)channels) - channels;
        if (extra == 0)
            return nn.functional.conv2d(input, weight, bias, strides: [stride, stride], padding: [padding, padding]);
        using var scope = NewDisposeScope();
        // pad's list runs from the last dimension: (W, W, H, H, C, C)
        long[] channelTail = [0, 0, 0, 0, 0, extra];
        return nn
            .functional.conv2d(
                nn.functional.pad(input, channelTail),
                nn.functional.pad(weight, channelTail),
                bias,
                strides: [stride, stride],
                padding: [padding, padding]
            )
            .MoveToOuterDisposeScope();
    }
}
