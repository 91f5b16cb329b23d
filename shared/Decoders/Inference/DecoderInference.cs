using FeatureInversion.Decoders.Platform;
using FeatureInversion.Features;
using FeatureInversion.Imaging;
using FeatureInversion.Imaging.IO;
using static TorchSharp.torch;

namespace FeatureInversion.Decoders.Inference;

/// <summary>Writes the inputs of items <c>start</c> … <c>start + n − 1</c> (n × the item shape, C order) into
/// <c>buffer</c>.</summary>
public delegate void BatchFill(int start, Span<float> buffer);

/// <summary>
/// The one batched inference path: training's periodic evaluation, <c>evaluate</c>, <c>reconstruct</c>, the
/// autoencoder evaluation and the pipeline's worker all decode through <see cref="Run"/>. Inputs are filled into a
/// reused host buffer, moved to the device the network lives on (CUDA in a GPU worker), decoded without gradients
/// inside one dispose scope per batch, optionally upsampled bilinearly, clamped to [0, 1] and read back with
/// <c>.cpu()</c> inside the scope, so no tensor outlives its batch.
/// </summary>
public static class DecoderInference
{
    public const int DefaultBatchSize = 32;

    /// <summary>
    /// Runs <paramref name="count"/> items through <paramref name="network"/> (after <paramref name="encode"/>, if
    /// given, e.g. an autoencoder's encoder) in batches; returns each output as planar RGB in [0, 1] at
    /// <paramref name="outputSize"/> (the network's own size when null), or null for an item whose output is not
    /// finite. A batch with a non-finite output under oneDNN's kernels is run once more on the native kernels; if they
    /// fix it, the process keeps them (<see cref="TorchKernels.FallBack"/>); items still non-finite are given up.
    /// </summary>
    public static List<float[]?> Run(
        nn.Module<Tensor, Tensor> network,
        long[] itemShape,
        int count,
        BatchFill fill,
        Func<Tensor, Tensor>? encode = null,
        int? outputSize = null,
        int batchSize = DefaultBatchSize
    )
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        network.eval();
        var device = TorchDevices.Of(network);
        int itemLength = checked((int)itemShape.Aggregate(1L, (a, b) => a * b));
        var buffer = new float[Math.Min(batchSize, Math.Max(count, 1)) * itemLength];
        var results = new List<float[]?>(count);
        using var noGrad = no_grad();
        for (int start = 0; start < count; start += batchSize)
        {
            int n = Math.Min(batchSize, count - start);
            var input = buffer.AsSpan(0, n * itemLength);
            fill(start, input);
            var values = RunBatch(network, buffer, itemLength, itemShape, n, device, encode, outputSize);
            if (
                values.Contains(null)
                && device.type == TorchSharp.DeviceType.CPU
                && TorchKernels.Current is { Backend: KernelBackend.OneDnn, Forced: false }
            )
            {
                // Whose fault: if the native kernels give finite values where oneDNN did not, oneDNN is dropped for
                // good.
                var retry = TorchKernels.WithNative(() =>
                    RunBatch(network, buffer, itemLength, itemShape, n, device, encode, outputSize)
                );
                if (Enumerable.Range(0, n).Any(i => retry[i] is not null && values[i] is null))
                    TorchKernels.FallBack(
                        $"a decode under oneDNN gave non-finite values that the native kernels did not "
                            + $"({values.Count(v => v is null)} of {n} items)"
                    );
                values = retry;
            }
            results.AddRange(values);
        }
        return results;
    }

    /// <summary>As <see cref="Run"/>, but a non-finite output fails the whole call (<see
    /// cref="NonFiniteOutputException"/>).</summary>
    public static List<float[]> RunAll(
        nn.Module<Tensor, Tensor> network,
        long[] itemShape,
        int count,
        BatchFill fill,
        Func<Tensor, Tensor>? encode = null,
        int? outputSize = null,
        int batchSize = DefaultBatchSize
    ) => NonFiniteOutputException.ThrowIfAny(Run(network, itemShape, count, fill, encode, outputSize, batchSize));

    /// <summary>One batch: decoded, checked for finiteness per item before clamping (clamp maps ±∞ into range), each
    /// finite item read back into an array of its own, null for an item that is not finite (no batch-sized copy
    /// between: a batch of whole photos is tens of MB).</summary>
    private static float[]?[] RunBatch(
        nn.Module<Tensor, Tensor> network,
        float[] buffer,
        int itemLength,
        long[] itemShape,
        int n,
        Device device,
        Func<Tensor, Tensor>? encode,
        int? outputSize
    )
    {
        using var scope = NewDisposeScope();
        var x = tensor(buffer, [buffer.Length / itemLength, .. itemShape]); // copies the buffer, which is reused
        if (x.shape[0] != n)
            x = x.narrow(0, 0, n);
        x = x.to(device);
        var y = network.call(encode is null ? x : encode(x));
        var finite = y.isfinite().flatten(1).all(1).cpu().data<bool>().ToArray();
        if (outputSize is { } size && size != y.shape[^1])
            y = nn.functional.interpolate(y, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
        var output = y.clamp(0, 1).cpu().contiguous();
        var values = new float[]?[n];
        for (int i = 0; i < n; i++)
            if (finite[i])
                values[i] = output[i].data<float>().ToArray();
        return values;
    }

    /// <summary>Decodes feature maps of the decoder's input shape into images (upsampled to <paramref
    /// name="outputSize"/> when larger); any non-finite output fails the call (<see
    /// cref="NonFiniteOutputException"/>).</summary>
    public static List<ColorImage> Decode(
        DecoderNetwork network,
        IReadOnlyList<FeatureMap> features,
        int? outputSize = null,
        int batchSize = DefaultBatchSize
    ) => NonFiniteOutputException.ThrowIfAny(DecodeEach(network, features, outputSize, batchSize));

    /// <summary>As <see cref="Decode"/>, with null for each item whose output is not finite (a failed item, never a
    /// result).</summary>
    public static List<ColorImage?> DecodeEach(
        DecoderNetwork network,
        IReadOnlyList<FeatureMap> features,
        int? outputSize = null,
        int batchSize = DefaultBatchSize
    )
    {
        var spec = network.Spec;
        foreach (var f in features)
        {
            if (f.Shape != spec.Input)
                throw new ArgumentException(
                    $"Features are {f.Shape}, the {spec.Representation} decoder takes {spec.Input}."
                );
            if (!FiniteValues.AreFinite(f.Data))
                throw new ArgumentException("Features contain NaN or infinite values; a decoder cannot invert them.");
        }
        int size = outputSize ?? spec.ImageSize;
        int length = spec.Input.Length;
        var planes = Run(
            network,
            [spec.Input.Channels, spec.Input.Rows, spec.Input.Cols],
            features.Count,
            (start, buffer) =>
            {
                for (int i = 0; i * length < buffer.Length; i++)
                    features[start + i].Data.CopyTo(buffer.Slice(i * length, length));
            },
            outputSize: size,
            batchSize: batchSize
        );
        return planes.Select(p => p is null ? null : new ColorImage(size, size, p)).ToList();
    }

    /// <summary>The decoder's view of a photo (<see cref="ImageFiles.CenterSquare"/>), its features and their
    /// reconstruction.</summary>
    public static (ColorImage Input, FeatureMap Features, ColorImage Reconstruction) FromPhoto(
        DecoderNetwork network,
        ColorImage photo
    )
    {
        var input = ImageFiles.CenterSquare(photo, network.Spec.ImageSize);
        using var extractor = network.Spec.Representation.Create();
        var features = extractor.Extract(input);
        return (input, features, Decode(network, [features])[0]);
    }

    /// <summary>Decodes features read from a float32 .npy array of the decoder's input shape.</summary>
    public static ColorImage FromNpy(DecoderNetwork network, string path)
    {
        var (data, shape) = NpyFile.Read(path);
        var expected = network.Spec.Input;
        if (
            shape.Length != 3
            || shape[0] != expected.Channels
            || shape[1] != expected.Rows
            || shape[2] != expected.Cols
        )
            throw new InvalidDataException(
                $"{path}: features are ({string.Join(", ", shape)}), the {network.Spec.Representation} decoder takes "
                    + $"({expected.Channels}, {expected.Rows}, {expected.Cols})."
            );
        return Decode(network, [new FeatureMap(expected, data)])[0];
    }
}
