using System.Runtime.InteropServices;

namespace FeatureInversion.Imaging;

/// <summary>
/// Gives freed native memory back to the operating system after a burst of decoding. ImageSharp's pixel buffers are
/// unmanaged (malloc); glibc keeps what they freed in its per-thread arenas, so after decoding many photos in
/// parallel the process stays tens to hundreds of MiB larger than it needs to (measured with the photo pool build,
/// docs/benchmarks.md). glibc's malloc_trim(0) returns those free pages; elsewhere (musl, Windows, macOS) this does
/// nothing.
/// </summary>
public static partial class NativeHeap
{
    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>Returns free malloc memory to the OS where glibc allows it; true when it was called.</summary>
    public static bool Trim()
    {
        if (_unavailable)
            return false;
        try
        {
            _ = malloc_trim(0); // 1 when memory was released, 0 when there was none to release
            return true;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            _unavailable = true; // not glibc
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int malloc_trim(nuint pad);
}
