using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Decoders.Inference;

/// <summary>Where TorchSharp work runs: <c>auto</c> takes CUDA when libtorch sees a GPU, else the CPU.</summary>
public enum DeviceChoice
{
    Auto,
    Cpu,
    Cuda,
}

public static class TorchDevices
{
    /// <summary>The device for a choice; <see cref="DeviceChoice.Cuda"/> without a usable GPU is an error, not a silent
    /// CPU run.</summary>
    public static Device Resolve(DeviceChoice choice) =>
        choice switch
        {
            DeviceChoice.Cpu => CPU,
            DeviceChoice.Cuda when cuda.is_available() => CUDA,
            DeviceChoice.Cuda => throw new DeviceUnavailableException(
                "--device cuda: libtorch sees no CUDA device here (this build ships the CPU libtorch, or the machine "
                    + "has no GPU); use --device cpu or auto"
            ),
            _ => cuda.is_available() ? CUDA : CPU,
        };

    /// <summary>On CUDA, whether float32 convolutions and matrix products may use TF32 (10-bit mantissa, about 1e-3
    /// relative): libtorch lets cuDNN's convolutions do so by default, which is faster and no longer float32. Parity
    /// checks against the CPU turn it off (docs/gpu.md). Nothing to set on the CPU.</summary>
    public static void AllowTf32(Device device, bool allow)
    {
        if (device.type != DeviceType.CUDA)
            return;
        backends.cudnn.allow_tf32 = allow;
        backends.cuda.matmul.allow_tf32 = allow;
    }

    /// <summary>The device a module's parameters live on (the CPU for a module without parameters).</summary>
    public static Device Of(nn.Module module) => module.parameters().FirstOrDefault()?.device ?? CPU;
}

/// <summary>The device asked for is not available in this process.</summary>
public sealed class DeviceUnavailableException(string message) : Exception(message);
