// Marks one symbol-version requirement of an ELF shared library as weak (VER_FLG_WEAK).
//
// Why: TorchSharp 0.107's libLibTorchSharp.so lists GLIBCXX_3.4.32 among its version needs for the single
// symbol std::ios_base_library_init, which is a link-time marker that is never relocated. Debian 12, Ubuntu
// 22.04 and the Azure Functions images ship libstdc++ up to GLIBCXX_3.4.30, so dlopen refuses the library.
// With VER_FLG_WEAK set on that Elf64_Vernaux entry the loader only warns about the missing version.
// See docs/platform.md. The edit is one byte, idempotent, and harmless where libstdc++ is new enough.
//
// This file is compiled twice: as an MSBuild inline task (build/TorchSharpNative.targets) and, with
// ELF_PATCHER_NO_TASK defined, into the test project that checks the patcher on a real library.
// The task factory compiles against netstandard2.0: no spans here.
// CA1050 (types in namespaces): the inline task factory finds the task by its bare name; its helpers stay beside it.
#pragma warning disable CA1050
using System;
using System.IO;
using System.Text;

#if !ELF_PATCHER_NO_TASK
public sealed class WeakenVersionNeed : Microsoft.Build.Utilities.Task
{
    [Microsoft.Build.Framework.Required]
    public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } =
        Array.Empty<Microsoft.Build.Framework.ITaskItem>();

    [Microsoft.Build.Framework.Required]
    public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            try
            {
                var result = ElfVersionNeeds.MarkWeak(path, VersionName);
                Log.LogMessage(
                    Microsoft.Build.Framework.MessageImportance.Normal,
                    "{0}: {1} {2}",
                    path,
                    VersionName,
                    result
                );
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                Log.LogError("Cannot mark {0} weak in {1}: {2}", VersionName, path, e.Message);
                return false;
            }
        }
        return true;
    }
}
#endif

public enum VersionNeedPatch
{
    /// <summary>The entry was strong and is now weak.</summary>
    Patched,

    /// <summary>The entry was already weak; nothing written.</summary>
    AlreadyWeak,

    /// <summary>The library does not need that version; nothing written.</summary>
    NotNeeded,
}

public static class ElfVersionNeeds
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>Sets VER_FLG_WEAK on every Elf64_Vernaux entry named <paramref name="versionName"/>.</summary>
    public static VersionNeedPatch MarkWeak(string path, string versionName)
    {
        var bytes = File.ReadAllBytes(path);
        var result = MarkWeak(bytes, versionName);
        if (result == VersionNeedPatch.Patched)
        {
            File.WriteAllBytes(path, bytes);
        }
        return result;
    }

    /// <summary>In-memory variant of <see cref="MarkWeak(string,string)"/>; edits <paramref name="elf"/>.</summary>
    public static VersionNeedPatch MarkWeak(byte[] elf, string versionName)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("only little-endian ELF64 is supported");

        ulong shoff = BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        if (shoff == 0 || shentsize < 64 || shoff + (ulong)(shentsize * shnum) > (ulong)elf.Length)
            throw new InvalidDataException("section header table out of range");

        bool found = false,
            patched = false;
        for (int i = 0; i < shnum; i++)
        {
            int sh = checked((int)shoff + i * shentsize);
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed)
                continue;

            int secOffset = checked((int)BitConverter.ToUInt64(elf, sh + 24));
            int link = (int)BitConverter.ToUInt32(elf, sh + 40);
            int entries = (int)BitConverter.ToUInt32(elf, sh + 44);
            int strtab = checked((int)BitConverter.ToUInt64(elf, checked((int)shoff + link * shentsize) + 24));

            int vn = secOffset;
            for (int e = 0; e < entries; e++)
            {
                int count = BitConverter.ToUInt16(elf, vn + 2);
                int aux = vn + (int)BitConverter.ToUInt32(elf, vn + 8);
                for (int a = 0; a < count; a++)
                {
                    int nameOffset = strtab + (int)BitConverter.ToUInt32(elf, aux + 8);
                    if (ReadCString(elf, nameOffset) == versionName)
                    {
                        found = true;
                        ushort flags = BitConverter.ToUInt16(elf, aux + 4);
                        if ((flags & VerFlgWeak) == 0)
                        {
                            ushort weak = (ushort)(flags | VerFlgWeak);
                            elf[aux + 4] = (byte)(weak & 0xff); // little-endian u16
                            elf[aux + 5] = (byte)(weak >> 8);
                            patched = true;
                        }
                    }
                    aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                }
                vn += (int)BitConverter.ToUInt32(elf, vn + 12);
            }
        }
        return patched ? VersionNeedPatch.Patched
            : found ? VersionNeedPatch.AlreadyWeak
            : VersionNeedPatch.NotNeeded;
    }

    private static string ReadCString(byte[] bytes, int offset)
    {
        int end = Array.IndexOf(bytes, (byte)0, offset);
        if (end < 0)
            throw new InvalidDataException("unterminated string in ELF string table");
        return Encoding.ASCII.GetString(bytes, offset, end - offset);
    }
}
