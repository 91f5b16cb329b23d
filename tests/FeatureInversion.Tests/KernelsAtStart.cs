using System.Runtime.CompilerServices;
using FeatureInversion.Decoders.Platform;

namespace FeatureInversion.Tests;

/// <summary>The test process chooses libtorch's kernels as the hosts do, at start: oneDNN reads its ISA limit once,
/// at its first primitive, and an ONNX encoder test may create one before any decoder exists (on an AMD Zen 5 host
/// the SSE4.1 limit was then reported but not in force).</summary>
internal static class KernelsAtStart
{
    [ModuleInitializer]
    internal static void Choose() => TorchKernels.Request(null);
}
