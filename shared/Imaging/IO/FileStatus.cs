using System.Runtime.InteropServices;

namespace FeatureInversion.Imaging.IO;

/// <summary>
/// The kind of a file system entry without following links (POSIX <c>lstat</c>'s <c>st_mode</c>). .NET lists FIFOs,
/// sockets and device nodes as plain files with "Normal" attributes, and opening a FIFO blocks, so inputs are
/// checked here before they are read. On Windows every FileInfo that exists counts as regular.
/// </summary>
public static class FileStatus
{
    private const uint TypeMask = 0xF000,
        Regular = 0x8000;

    /// <summary>Whether the entry itself (a link is not followed) is a regular file.</summary>
    public static bool IsRegular(string path)
    {
        if (!OperatingSystem.IsLinux())
            return File.Exists(path) && (File.GetAttributes(path) & FileAttributes.ReparsePoint) == 0;
        // struct stat: st_mode follows dev, ino, nlink (8 bytes each) on x86-64, dev and ino on arm64 (glibc 2.33+
        // exports lstat).
        int modeOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
        Span<byte> buffer = stackalloc byte[256];
        unsafe
        {
            fixed (byte* p = buffer)
            {
                if (lstat(path, p) != 0)
                    return false;
            }
        }
        uint mode = BitConverter.ToUInt32(buffer.Slice(modeOffset, 4));
        return (mode & TypeMask) == Regular;
    }

    // glibc's soname: "libc" alone may find the libc.so linker script of libc6-dev, or nothing on runtime images
    [DllImport("libc.so.6", SetLastError = true)]
    private static extern unsafe int lstat(string path, byte* buffer);
}
