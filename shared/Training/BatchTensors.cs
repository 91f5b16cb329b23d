using FeatureInversion.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Training;

/// <summary>
/// The tensors a training step reads, allocated once for the whole run: host tensors the batch buffers are copied
/// into (pinned when the device is CUDA, so the copy to the device can overlap), and device tensors the network sees
/// (the host ones themselves on the CPU). A step therefore allocates no batch-sized memory: one copy into the host
/// tensors, one host-to-device copy per batch.
/// </summary>
internal sealed class BatchTensors : IDisposable
{
    private readonly Tensor? _hostFeatures,
        _hostImages;
    private readonly TorchSharp.Utils.TensorAccessor<float>? _featureData,
        _imageData; // made once: the host storage never moves
    private readonly bool _copyToDevice;

    public BatchTensors(Device device, long[]? featureShape, long[] imageShape)
    {
        _copyToDevice = device.type != DeviceType.CPU;
        using (NewDisposeScope())
        {
            _hostImages = Host(imageShape, _copyToDevice).MoveToOuterDisposeScope();
            Images = _copyToDevice
                ? empty(imageShape, ScalarType.Float32, device).MoveToOuterDisposeScope()
                : _hostImages;
            if (featureShape is not null)
            {
                _hostFeatures = Host(featureShape, _copyToDevice).MoveToOuterDisposeScope();
                Features = _copyToDevice
                    ? empty(featureShape, ScalarType.Float32, device).MoveToOuterDisposeScope()
                    : _hostFeatures;
                _featureData = _hostFeatures.data<float>();
            }
            _imageData = _hostImages.data<float>();
        }
    }

    /// <summary>The batch's features on the device (null for an images-only stream).</summary>
    public Tensor? Features { get; }

    /// <summary>The batch's target images on the device.</summary>
    public Tensor Images { get; }

    /// <summary>Copies a batch's buffers into the tensors.</summary>
    public void Load(TrainingBatch batch)
    {
        Copy(batch.Images, _imageData!);
        if (_copyToDevice)
            Images.copy_(_hostImages!, true);
        if (Features is not null)
        {
            Copy(batch.Features, _featureData!);
            if (_copyToDevice)
                Features.copy_(_hostFeatures!, true);
        }
    }

    private static Tensor Host(long[] shape, bool pinned)
    {
        var t = empty(shape, ScalarType.Float32);
        return pinned && cuda.is_available() ? t.pin_memory() : t;
    }

    private static void Copy(float[] source, TorchSharp.Utils.TensorAccessor<float> host)
    {
        if (source.LongLength != host.Count)
            throw new ArgumentException($"Batch holds {source.Length} values, tensor {host.Count}.");
        host.CopyFrom(source);
    }

    public void Dispose()
    {
        if (_copyToDevice)
        {
            Images.Dispose();
            Features?.Dispose();
        }
        _imageData?.Dispose();
        _featureData?.Dispose();
        _hostImages?.Dispose();
        _hostFeatures?.Dispose();
    }
}
