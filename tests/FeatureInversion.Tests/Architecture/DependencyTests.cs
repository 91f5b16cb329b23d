using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace FeatureInversion.Tests.Architecture;

/// <summary>
/// The assemblies the function app is built from reference no TorchSharp or libtorch, not even transitively. The
/// namespace rules are <see cref="ArchitectureRules"/>.
/// </summary>
public class DependencyTests
{
    /// <summary>Every assembly reachable from <paramref name="assembly"/> through references found in the test's output
    /// folder.</summary>
    private static HashSet<string> Closure(string assembly)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>([assembly]);
        while (pending.Count > 0)
        {
            string name = pending.Pop();
            if (!seen.Add(name))
                continue;
            string path = Path.Combine(AppContext.BaseDirectory, name + ".dll");
            if (!File.Exists(path))
                continue; // framework assemblies
            using var pe = new PEReader(File.OpenRead(path));
            var metadata = pe.GetMetadataReader();
            foreach (var handle in metadata.AssemblyReferences)
                pending.Push(metadata.GetString(metadata.GetAssemblyReference(handle).Name));
        }
        return seen;
    }

    [Theory]
    [InlineData("FeatureInversion.Imaging")]
    [InlineData("FeatureInversion.Features")]
    [InlineData("FeatureInversion.Models")]
    [InlineData("FeatureInversion.Pipeline")]
    [InlineData("FeatureInversion.Functions")]
    public void TorchFreeAssembliesReachNoTorchSharp(string assembly)
    {
        var closure = Closure(assembly);
        Assert.Contains(assembly, closure);
        Assert.DoesNotContain(closure, a => a.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void TheTorchSideDoesReachTorchSharp()
    {
        Assert.Contains("TorchSharp", Closure("FeatureInversion.Decoders"));
        Assert.Contains("TorchSharp", Closure("FeatureInversion.Worker"));
    }

    [Fact]
    public void TheFunctionAppsDependencyManifestListsNoTorchSharpOrLibtorch()
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        string deps = Path.Combine(
            TestData.Root,
            "functions",
            "bin",
            configuration,
            "net10.0",
            "FeatureInversion.Functions.deps.json"
        );
        Assert.True(File.Exists(deps), $"{deps} missing: build functions/ first");
        string json = File.ReadAllText(deps);
        Assert.Contains("FeatureInversion.Pipeline", json);
        Assert.DoesNotContain("TorchSharp", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("libtorch", json, StringComparison.OrdinalIgnoreCase);
    }
}
