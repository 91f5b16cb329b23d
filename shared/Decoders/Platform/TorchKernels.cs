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
/// "oneDNN up-convolutions"). On AMD Zen 5 hosts oneDNN 3.7.1 (libtorch 2.10) gave intermittent NaN and pixels up to
/// 60–93/255 off: first reported for its brgemm up-convolutions; on a second Zen 5 host (family 1Ah model 2) its
/// AVX2/AVX-512 convolutions were wrong wherever the input channels are no multiple of 16 (the HOG, LBP and SIFT-grid
/// decoders' first layers: 31, 58, 133), while with oneDNN limited to SSE4.1 both matched a float64 reference. So on
/// Zen 5 (family 1Ah) oneDNN is limited to SSE4.1 before its first use (1.3–2.2× slower decoders, docs/platform.md);
/// then every CPU runs <see cref="KernelSelfCheck"/> against <see cref="ReferenceForward"/> and gets ATen's native
/// kernels (2.7–9× slower) if oneDNN disagrees. <see cref="FallBack"/> switches to the native kernels later if a decode
/// still turns out non-finite. A limit the user set (ONEDNN_MAX_CPU_ISA or DNNL_MAX_CPU_ISA) is kept.
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

    private static IsaLimit? _isa;

    /// <summary>The kernels a host asks for (onednn, sse41, native; null, empty or auto: the automatic choice), at
    /// start, before anything runs a convolution: the ISA limit (Zen 5, sse41) is set here, since oneDNN reads it once,
    /// at its first primitive, which an ONNX encoder may create before any decoder exists. An unknown value fails at
    /// the first decoder, with the values it takes.</summary>
    public static void Request(string? choice)
    {
        lock (Gate)
        {
            if (
                (_current is not null || _isa is not null)
                && !string.Equals(_requested, choice, StringComparison.Ordinal)
            )
                throw new InvalidOperationException(
                    $"the kernels were chosen already ({_current?.ToString() ?? "ISA limit set"}); request at start"
                );
            _requested = choice;
            if (IsKnown(Normalized(choice)))
                _isa ??= DecideIsaLimit();
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

    private static string? Normalized(string? choice) => choice?.Trim().ToLowerInvariant();

    private static bool IsKnown(string? normalized) =>
        normalized is null or "" or "auto" or "onednn" or "native" or "sse41";

    /// <summary>oneDNN's ISA limit and why: the user's (ONEDNN_MAX_CPU_ISA or DNNL_MAX_CPU_ISA), SSE4.1 set here for
    /// <c>sse41</c> or on Zen 5 in the automatic choice, else none. Sets the variable through libc, so it must run
    /// before oneDNN's first primitive (.NET's Environment does not reach getenv).</summary>
    private static IsaLimit DecideIsaLimit()
    {
        var choice = Normalized(_requested);
        if (choice == "sse41") // what Zen 5 gets, on any CPU (tests of the mechanism)
            return SetSse41() ? new(Sse41, "") : throw new InvalidOperationException($"setenv {IsaVariable} failed");
        string? cap = UserIsaCap();
        if (choice is "onednn" or "native")
            return new(cap, "");
        if (cap is not null)
            return new(cap, $"oneDNN limited to {cap} by the environment; ");
        if (RuntimeInformation.ProcessArchitecture.Equals(Architecture.X64) && IsZen5() && SetSse41())
            return new(Sse41, "AMD family 1Ah (Zen 5), where oneDNN's AVX2/AVX-512 kernels misbehaved; ");
        return new(null, "");
    }

    private static bool SetSse41() => OperatingSystem.IsLinux() && Libc.setenv(IsaVariable, Sse41, 1) == 0;

    private sealed record IsaLimit(string? Cap, string Why);

    private static KernelSelection Choose()
    {
        var forced = Normalized(_requested);
        if (!IsKnown(forced))
            throw new InvalidOperationException(
                $"{OverrideVariable}={forced}: expected onednn, sse41, native or auto."
            );
        // a host that did not call Request at start: decided now (too late only if something ran a convolution)
        var isa = _isa ??= DecideIsaLimit();
        // NNPACK is a third convolution path (no-grad, stride 1, batch ≥ 16) that neither the self-check nor the
        // reference tests cover; and where its cpuinfo does not know the CPU (AMD family 1Ah) libtorch logs "Could
        // not initialize NNPACK" on every inference convolution, 16,830 lines in one check-kernels run. Off, the
        // native backend is ATen's im2col + GEMM as documented, on every CPU.
        SetNnpackEnabled(false);
        switch (forced)
        {
            case "onednn":
                return new(KernelBackend.OneDnn, $"{OverrideVariable}=onednn", Forced: true) { IsaCap = isa.Cap };
            case "native":
                return new(KernelBackend.Native, $"{OverrideVariable}=native", Forced: true);
            case "sse41":
                return new(KernelBackend.OneDnn, $"{OverrideVariable}=sse41", Forced: true) { IsaCap = Sse41 };
        }
        if (!RuntimeInformation.ProcessArchitecture.Equals(Architecture.X64))
            return new(KernelBackend.OneDnn, "not x86-64");
        var check = KernelSelfCheck.Run();
        return check.Passed
            ? new(KernelBackend.OneDnn, $"{isa.Why}self-check passed, max deviation {check.MaxDeviation:0.0e+0}")
            {
                IsaCap = isa.Cap,
            }
            : new(KernelBackend.Native, $"{isa.Why}oneDNN self-check failed: {check.Failure}");
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

    /// <summary>Whether libtorch may run inference convolutions on NNPACK
    /// (<c>at::globalContext().userEnabledNNPACK()</c>); off once the kernels are chosen.</summary>
    public static bool NnpackEnabled
    {
        get
        {
            _ = ones(1);
            return Native.UserEnabledNnpack(Native.GlobalContext());
        }
    }

    private static void SetNnpackEnabled(bool enabled)
    {
        _ = ones(1);
        Native.SetUserEnabledNnpack(Native.GlobalContext(), enabled);
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

        [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
        public static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

        [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
        [return: MarshalAs(UnmanagedType.U1)]
        public static extern bool UserEnabledNnpack(IntPtr context);
    }
}
