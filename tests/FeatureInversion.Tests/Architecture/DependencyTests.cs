using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace FeatureInversion.Tests.Architecture;

/// <summary>
/// The direction of dependencies (docs/architecture.md): no cycle between the library's concerns, and the
/// assemblies the function app is built from reference no TorchSharp or libtorch, not even transitively.
/// </summary>
public partial class DependencyTests
{
    /// <summary>Concern-level graph of shared/: FeatureInversion.X.Y counts as X; an edge per <c>using</c> or fully
    /// qualified reference from a file in one concern to another.</summary>
    private static Dictionary<string, HashSet<string>> ConcernGraph()
    {
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(TestData.Root, "shared"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")) continue;
            string text = Comment().Replace(File.ReadAllText(file), ""); // doc comments may name other concerns
            var ns = NamespaceDeclaration().Match(text);
            Assert.True(ns.Success, $"{file} declares no file-scoped FeatureInversion namespace");
            string from = ns.Groups[1].Value;
            var edges = graph.TryGetValue(from, out var e) ? e : graph[from] = [];
            foreach (Match m in Reference().Matches(text))
            {
                if (m.Groups[1].Value != from) edges.Add(m.Groups[1].Value);
            }
        }
        return graph;
    }

    [GeneratedRegex(@"^namespace FeatureInversion\.(\w+)[\w.]*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"//.*$", RegexOptions.Multiline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"\bFeatureInversion\.(\w+)\b")]
    private static partial Regex Reference();

    [Fact]
    public void TheLibrarysConcernsHaveNoDependencyCycle()
    {
        var graph = ConcernGraph();
        Assert.Contains("Features", graph.Keys);
        Assert.Contains("Pipeline", graph.Keys);
        var state = new Dictionary<string, int>(); // 1 visiting, 2 done
        var path = new Stack<string>();
        void Visit(string node)
        {
            state[node] = 1;
            path.Push(node);
            foreach (var next in graph.GetValueOrDefault(node, []))
            {
                if (state.GetValueOrDefault(next) == 1)
                    Assert.Fail($"dependency cycle: {string.Join(" -> ", path.Reverse().SkipWhile(n => n != next))} -> {next}");
                if (state.GetValueOrDefault(next) == 0) Visit(next);
            }
            path.Pop();
            state[node] = 2;
        }
        foreach (var node in graph.Keys.Where(n => state.GetValueOrDefault(n) == 0)) Visit(node);
    }

    [Fact]
    public void TheCycleCheckSeesReferences()
    {
        // Guards the check itself: known edges must be found, or an empty graph would pass.
        var graph = ConcernGraph();
        Assert.Contains("Imaging", graph["Features"]);
        Assert.Contains("Features", graph["Models"]);
        Assert.Contains("Decoders", graph["Reconstruction"]);
        Assert.DoesNotContain("Decoders", graph["Pipeline"]);
    }

    /// <summary>Every assembly reachable from <paramref name="assembly"/> through references found in the test's output folder.</summary>
    private static HashSet<string> Closure(string assembly)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>([assembly]);
        while (pending.Count > 0)
        {
            string name = pending.Pop();
            if (!seen.Add(name)) continue;
            string path = Path.Combine(AppContext.BaseDirectory, name + ".dll");
            if (!File.Exists(path)) continue; // framework assemblies
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
        string deps = Path.Combine(TestData.Root, "functions", "bin", configuration, "net10.0", "FeatureInversion.Functions.deps.json");
        Assert.True(File.Exists(deps), $"{deps} missing: build functions/ first");
        string json = File.ReadAllText(deps);
        Assert.Contains("FeatureInversion.Pipeline", json);
        Assert.DoesNotContain("TorchSharp", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("libtorch", json, StringComparison.OrdinalIgnoreCase);
    }
}
