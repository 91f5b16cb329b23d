using System.Reflection;
using static TorchSharp.torch;

namespace FeatureInversion.Tests.Platform;

/// <summary>
/// TorchSharp must load on this platform: libLibTorchSharp.so needs GLIBCXX_3.4.32, which older libstdc++ lacks,
/// and the build marks that need weak (build/TorchSharpNative.targets). These tests fail if either breaks.
/// </summary>
public class TorchSharpNativeTests
{
    private const string LibraryName = "libLibTorchSharp.so";
    private const string Version = "GLIBCXX_3.4.32";

    [Fact]
    public void LoadsAndRunsAConvolution()
    {
        using var scope = NewDisposeScope();
        var input = ones(1, 1, 5, 5);
        var kernel = ones(1, 1, 3, 3);
        var output = nn.functional.conv2d(input, kernel, padding: [1, 1]);
        Assert.Equal(new long[] { 1, 1, 5, 5 }, output.shape);
        Assert.Equal(9f, output[0, 0, 2, 2].item<float>()); // interior: all nine taps
        Assert.Equal(4f, output[0, 0, 0, 0].item<float>()); // corner: zero padding leaves four
    }

    [Fact]
    public void BuildOutputCopyHasTheVersionNeedMarkedWeak()
    {
        var copies = Directory.GetFiles(AppContext.BaseDirectory, LibraryName, SearchOption.AllDirectories);
        Assert.NotEmpty(copies);
        foreach (var copy in copies)
        {
            var bytes = File.ReadAllBytes(copy);
            Assert.Equal(VersionNeedPatch.AlreadyWeak, ElfVersionNeeds.MarkWeak(bytes, Version));
        }
    }

    [Fact]
    public void PatcherChangesOneByteOnceAndLeavesOtherFilesAlone()
    {
        var root = typeof(TorchSharpNativeTests)
            .Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "NuGetPackageRoot")
            .Value!;
        var original = Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", LibraryName);
        Assert.True(File.Exists(original), $"unpatched original not found at {original}");

        var bytes = File.ReadAllBytes(original);
        var patched = (byte[])bytes.Clone();
        Assert.Equal(VersionNeedPatch.Patched, ElfVersionNeeds.MarkWeak(patched, Version));
        Assert.Equal(1, bytes.Zip(patched).Count(p => p.First != p.Second));
        Assert.Equal(VersionNeedPatch.AlreadyWeak, ElfVersionNeeds.MarkWeak(patched, Version));
        Assert.Equal(VersionNeedPatch.NotNeeded, ElfVersionNeeds.MarkWeak((byte[])bytes.Clone(), "GLIBCXX_99.0"));
        Assert.Throws<InvalidDataException>(() =>
            ElfVersionNeeds.MarkWeak(
                "not an elf file at all, just text......................................"u8.ToArray(),
                Version
            )
        );
    }
}
