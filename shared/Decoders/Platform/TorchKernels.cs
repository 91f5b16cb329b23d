using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace FeatureInversion.Decoders.Platform;

/// <summary>Which CPU kernels libtorch uses for convolutions and up-convolutions.</summary>
public enum KernelBackend
{
    /// <summary>oneDNN (libtorch's default on x86): brgemm/JIT kernels chosen for the CPU's ISA.</summary>
    OneDnn,

    /// <summary>ATen's own im2col/col2im + GEMM convolutions (<c>torch.backends.mkldnn.enabled = False</c>).</summary>
    Native,
}

/// <summary>The backend in use and why it was chosen.</summary>
public sealed record KernelSelection(KernelBackend Backend, string Reason, bool Forced = false)
{
    /// <summary>The ISA oneDNN is limited to (ONEDNN_MAX_CPU_ISA), when limited.</summary>
    public string? IsaCap { get; init; }

    public override string ToString()
    {
        string cap = Backend == KernelBackend.OneDnn && IsaCap is { } isa ? $" max ISA {isa}" : "";
        return $"{(Backend == KernelBackend.OneDnn ? "onednn" : "native")}{cap} ({Reason})";
    }
}

/// <summary>
/// Chooses libtorch's convolution kernels once per process, before the first decoder runs (docs/platform.md,
/// "oneDNN up-convolutions"). oneDNN 3.7.1 in libtorch 2.10 picks <c>brg_deconv</c> for the decoders' stride-2
/// up-convolutions; on an AMD Zen 5 host it gave intermittent NaN and pixels up to 60/255 off, while with oneDNN
/// limited to SSE4.1 (its GEMM-based deconvolution) it matched a float64 reference. So on Zen 5 (family 1Ah) oneDNN
/// is limited to SSE4.1 before its first use (1.3–2.2× slower decoders, docs/platform.md); then every CPU runs
/// <see cref="KernelSelfCheck"/> against <see cref="ReferenceForward"/> and gets ATen's native kernels (2.7–9×
/// slower) if oneDNN disagrees. <see cref="FallBack"/> switches to the native kernels later if a decode still turns
/// out non-finite. A limit the user set (ONEDNN_MAX_CPU_ISA or DNNL_MAX_CPU_ISA) is kept.
/// A host may override the choice with <see cref="Request"/> (onednn, sse41, native or auto), which the hosts take
/// from <c>FEATURE_INVERSION_TORCH_KERNELS</c> (benchmarks, the ISA tests). The kernels are process-wide in
/// libtorch, so the choice is too; the only environment this class reads is oneDNN's own ISA limit, which oneDNN
/// honours whatever this class decides.
/// </summary>
public static class TorchKernels
{
    /// <summary>The environment variable the hosts pass to <see cref="Request"/>; never read here.</summary>
    public const string OverrideVariable = "FEATURE_INVERSION_TORCH_KERNELS";
    private static readonly Lock Gate = new();
    private static KernelSelection? _current;
    private static string? _requested;

    /// <summary>The kernels a host asks for (onednn, sse41, native; null, empty or auto: the automatic choice), before
    /// the first decoder is built. An unknown value fails at the first decoder, with the values it takes.</summary>
    public static void Request(string? choice)
    {
        lock (Gate)
        {
            if (_current is not null && !string.Equals(_requested, choice, StringComparison.Ordinal))
                throw new InvalidOperationException(
                    $"the kernels were chosen already ({_current}); request them before the first decoder"
                );
            _requested = choice;
        }
    }

    /// <summary>The selection, made on first use.</summary>
    public static KernelSelection Current
    {
        get
        {
            if (_current is { } c)
                return c;
            lock (Gate)
            {
                return _current ??= Apply(Choose());
            }
        }
    }

    /// <summary>Makes the choice (idempotent); called wherever a decoder is built.</summary>
    public static KernelSelection EnsureSelected() => Current;

    /// <summary>Switches to the native kernels for the rest of the process (after oneDNN produced a non-finite decode),
    /// unless the choice was forced by <see cref="OverrideVariable"/>.</summary>
    public static KernelSelection FallBack(string reason)
    {
        lock (Gate)
        {
            if (Current is { Backend: KernelBackend.Native } or { Forced: true })
                return _current!;
            return _current = Apply(new KernelSelection(KernelBackend.Native, reason));
        }
    }

    /// <summary>Runs <paramref name="work"/> on the native kernels, then restores the selection (to tell whether oneDNN
    /// or the network itself is at fault for a non-finite decode).</summary>
    public static T WithNative<T>(Func<T> work)
    {
        lock (Gate)
        {
            var restore = Current;
            SetMkldnnEnabled(false);
            try
            {
                return work();
            }
            finally
            {
                SetMkldnnEnabled(restore.Backend == KernelBackend.OneDnn);
            }
        }
    }

    /// <summary>Whether this is an AMD CPU of family 1Ah (Zen 5), the family where oneDNN's up-convolutions
    /// misbehaved.</summary>
    public static bool IsZen5()
    {
        if (!X86Base.IsSupported)
            return false;
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<byte> vendor = stackalloc byte[12];
        BitConverter.TryWriteBytes(vendor, ebx);
        BitConverter.TryWriteBytes(vendor[4..], edx);
        BitConverter.TryWriteBytes(vendor[8..], ecx);
        if (System.Text.Encoding.ASCII.GetString(vendor) != "AuthenticAMD")
            return false;
        int eax = X86Base.CpuId(1, 0).Eax;
        int family = (eax >> 8) & 0xF;
        if (family == 0xF)
            family += (eax >> 20) & 0xFF;
        return family == 0x1A;
    }

    private static KernelSelection Choose()
    {
        var forced = _requested?.Trim().ToLowerInvariant();
        switch (forced)
        {
            case "onednn":
                return new(KernelBackend.OneDnn, $"{OverrideVariable}=onednn", Forced: true) { IsaCap = UserIsaCap() };
            case "native":
                return new(KernelBackend.Native, $"{OverrideVariable}=native", Forced: true);
            case "sse41": // what Zen 5 gets, on any CPU (tests of the mechanism)
                if (!OperatingSystem.IsLinux() || Libc.setenv(IsaVariable, Sse41, 1) != 0)
                    throw new InvalidOperationException($"setenv {IsaVariable} failed");
                return new(KernelBackend.OneDnn, $"{OverrideVariable}=sse41", Forced: true) { IsaCap = Sse41 };
            case null or "" or "auto":
                break;
            default:
                throw new InvalidOperationException(
                    $"{OverrideVariable}={forced}: expected onednn, sse41, native or auto."
                );
        }
        if (!RuntimeInformation.ProcessArchitecture.Equals(Architecture.X64))
            return new(KernelBackend.OneDnn, "not x86-64");
        string? cap = UserIsaCap();
        string why = cap is null ? "" : $"oneDNN limited to {cap} by the environment; ";
        if (cap is null && IsZen5() && OperatingSystem.IsLinux())
        {
            // Must precede oneDNN's first primitive: it reads the variable once. .NET's Environment does not reach
            // getenv.
            if (Libc.setenv(IsaVariable, Sse41, 1) == 0)
            {
                cap = Sse41;
                why = "AMD family 1Ah (Zen 5), where brg_deconv misbehaved; ";
            }
        }
        var check = KernelSelfCheck.Run();
        return check.Passed
            ? new(KernelBackend.OneDnn, $"{why}self-check passed, max deviation {check.MaxDeviation:0.0e+0}")
            {
                IsaCap = cap,
            }
            : new(KernelBackend.Native, $"{why}oneDNN self-check failed: {check.Failure}");
    }

    private const string IsaVariable = "ONEDNN_MAX_CPU_ISA",
        Sse41 = "SSE41";

    /// <summary>An ISA limit already in the process environment (the user's), which oneDNN will honour.</summary>
    private static string? UserIsaCap() =>
        new[] { IsaVariable, "DNNL_MAX_CPU_ISA" }
            .Select(Environment.GetEnvironmentVariable)
            .FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    private static class Libc
    {
        // glibc's soname: "libc" alone may find the libc.so linker script of libc6-dev, or nothing on runtime images
        [DllImport("libc.so.6", SetLastError = true)]
        public static extern int setenv(string name, string value, int overwrite);
    }

    private static KernelSelection Apply(KernelSelection selection)
    {
        SetMkldnnEnabled(selection.Backend == KernelBackend.OneDnn);
        return selection;
    }

    /// <summary>Whether libtorch currently routes CPU convolutions to oneDNN
    /// (<c>at::globalContext().userEnabledMkldnn()</c>).</summary>
    public static bool MkldnnEnabled
    {
        get
        {
            _ = ones(1); // loads libtorch through TorchSharp first
            return Native.UserEnabledMkldnn(Native.GlobalContext());
        }
    }

    /// <summary>Sets <c>at::globalContext().setUserEnabledMkldnn</c>, the switch behind
    /// torch.backends.mkldnn.enabled.</summary>
    internal static void SetMkldnnEnabled(bool enabled)
    {
        _ = ones(1);
        Native.SetUserEnabledMkldnn(Native.GlobalContext(), enabled);
    }

    // libtorch exports these C++ symbols (Itanium ABI: `this` first, bool as one byte); TorchSharp 0.107 has no
    // wrapper.
    private static class Native
    {
        [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
        public static extern IntPtr GlobalContext();

        [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
        public static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

        [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
        [return: MarshalAs(UnmanagedType.U1)]
        public static extern bool UserEnabledMkldnn(IntPtr context);
    }
}
