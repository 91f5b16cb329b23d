using System.Text;
using NetArchTest.Rules;

namespace FeatureInversion.Tests.Architecture;

/// <summary>
/// The architecture as a list: every namespace of the project (names below drop the common "FeatureInversion."
/// prefix) with the project namespaces its types may use. Checked on the compiled assemblies with NetArchTest at
/// the level of exact namespaces (a child is a namespace of its own, so Pipeline.Gallery → Pipeline and
/// Pipeline → Pipeline.Gallery cannot both hold). The list is acyclic, holds no edge the code does not use, and
/// docs/architecture.md shows it, rendered by <see cref="Render"/>. A new dependency is a change to this list.
/// </summary>
public class ArchitectureRules
{
    public static IReadOnlyDictionary<string, string[]> Allowed { get; } =
        new Dictionary<string, string[]>
        {
            ["Analysis"] =
            [
                "Analysis.Audit",
                "Analysis.Optimization",
                "Decoders",
                "Decoders.Inference",
                "Decoders.Platform",
                "Features",
                "Imaging",
                "Models",
                "Onnx",
                "Training",
                "Training.Data",
            ],
            ["Analysis.Audit"] =
            [
                "Decoders",
                "Decoders.Inference",
                "Features",
                "Features.Sift",
                "Features.Sources",
                "Imaging",
                "Models",
            ],
            ["Analysis.FeatureSpace"] =
            [
                "Analysis",
                "Decoders",
                "Decoders.Inference",
                "Features",
                "Imaging",
                "Models",
                "Onnx",
                "Training.Data",
            ],
            ["Analysis.Optimization"] = ["Features", "Imaging", "Onnx"],
            ["Decoders"] = ["Decoders.Platform", "Features", "Imaging", "Models"],
            ["Decoders.Inference"] =
            [
                "Decoders",
                "Decoders.Platform",
                "Features",
                "Features.Sift",
                "Features.Sources",
                "Imaging",
                "Imaging.IO",
                "Models",
            ],
            ["Decoders.Platform"] = ["Features", "Models"],
            ["Features"] = ["Features.Sift", "Imaging", "Imaging.IO"],
            ["Features.Sift"] = ["Imaging"],
            ["Features.Sources"] = ["Features", "Features.Sift", "Imaging.IO"],
            ["Functions"] = ["Pipeline", "Pipeline.Gallery", "Pipeline.Ingestion"],
            ["Imaging"] = ["Imaging.Integrity", "Imaging.Jpeg"],
            ["Imaging.IO"] = ["Imaging"],
            ["Imaging.Integrity"] = [],
            ["Imaging.Jpeg"] = ["Imaging.Integrity"],
            ["Models"] = ["Features"],
            ["Onnx"] = ["Features", "Imaging"],
            ["Pipeline"] = [],
            ["Pipeline.Gallery"] = ["Features", "Imaging", "Models", "Pipeline", "Pipeline.Storage"],
            ["Pipeline.Hosting"] =
            [
                "Features",
                "Imaging",
                "Pipeline",
                "Pipeline.Gallery",
                "Pipeline.Ingestion",
                "Pipeline.Publishing",
                "Pipeline.Queues",
                "Pipeline.Storage",
            ],
            ["Pipeline.Ingestion"] =
            [
                "Features",
                "Features.Sift",
                "Features.Sources",
                "Imaging",
                "Imaging.IO",
                "Models",
                "Pipeline",
                "Pipeline.Gallery",
                "Pipeline.Publishing",
                "Pipeline.Queues",
                "Pipeline.Storage",
                "Pipeline.Telemetry",
            ],
            ["Pipeline.Publishing"] = ["Models", "Pipeline", "Pipeline.Storage"],
            ["Pipeline.Queues"] = ["Pipeline", "Pipeline.Storage"],
            ["Pipeline.Storage"] = ["Pipeline"],
            ["Pipeline.Telemetry"] = ["Pipeline"],
            ["Reconstruction"] =
            [
                "Decoders",
                "Decoders.Inference",
                "Features",
                "Imaging",
                "Imaging.IO",
                "Models",
                "Pipeline",
                "Pipeline.Gallery",
                "Pipeline.Hosting",
                "Pipeline.Ingestion",
                "Pipeline.Publishing",
                "Pipeline.Queues",
                "Pipeline.Storage",
                "Pipeline.Telemetry",
            ],
            ["Reconstruction.Local"] =
            [
                "Features",
                "Imaging.IO",
                "Pipeline",
                "Pipeline.Gallery",
                "Pipeline.Hosting",
                "Pipeline.Ingestion",
                "Pipeline.Publishing",
                "Pipeline.Queues",
                "Pipeline.Storage",
                "Reconstruction",
            ],
            ["Trainer"] = ["Decoders.Inference", "Imaging", "Onnx", "Trainer.Verbs", "Training"],
            ["Trainer.Verbs"] =
            [
                "Analysis",
                "Analysis.Audit",
                "Analysis.FeatureSpace",
                "Analysis.Optimization",
                "Decoders",
                "Decoders.Inference",
                "Decoders.Platform",
                "Features",
                "Features.Sources",
                "Imaging",
                "Imaging.IO",
                "Models",
                "Onnx",
                "Pipeline",
                "Pipeline.Gallery",
                "Pipeline.Ingestion",
                "Pipeline.Hosting",
                "Pipeline.Publishing",
                "Pipeline.Queues",
                "Pipeline.Storage",
                "Pipeline.Telemetry",
                "Reconstruction.Local",
                "Training",
                "Training.Data", // CropAugmentation: the train verb's --color-jitter, --rotate, --photometric
            ],
            ["Training"] =
            [
                "Decoders",
                "Decoders.Inference",
                "Decoders.Platform",
                "Features",
                "Imaging",
                "Models",
                "Onnx",
                "Training.Data",
            ],
            ["Training.Data"] = ["Features", "Imaging"],
        };

    private const string Prefix = "FeatureInversion.";

    [Fact]
    public void EveryNamespaceUsesOnlyWhatTheListAllows()
    {
        var namespaces = NamespaceGraph.Namespaces.Select(n => n[Prefix.Length..]).ToList();
        Assert.Empty(namespaces.Except(Allowed.Keys)); // a new namespace is placed in the list deliberately
        var failures = new List<string>();
        foreach (var from in namespaces)
        {
            var forbidden = namespaces.Where(to => to != from && !Allowed[from].Contains(to)).ToList();
            var result = Types
                .InAssemblies(NamespaceGraph.Assemblies)
                .That()
                .ResideInNamespaceMatching($"^{System.Text.RegularExpressions.Regex.Escape(Prefix + from)}$")
                .ShouldNot()
                .HaveDependencyOnAny(forbidden.SelectMany(to => NamespaceGraph.TypesOf(Prefix + to)).ToArray())
                .GetResult();
            if (result.IsSuccessful)
                continue;
            foreach (var to in forbidden.Where(to => NamespaceGraph.Uses(Prefix + from, Prefix + to)))
                failures.Add(
                    $"{from} -> {to} (not in the list): "
                        + $"{string.Join(", ", NamespaceGraph.Users(Prefix + from, Prefix + to))}"
                );
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void TheListIsAcyclicAndEveryEdgeInItIsUsed()
    {
        Assert.Empty(Allowed.SelectMany(a => a.Value).Except(Allowed.Keys)); // edges lead to listed namespaces
        var state = new Dictionary<string, int>(); // 1 visiting, 2 done
        var path = new Stack<string>();
        void Visit(string node)
        {
            state[node] = 1;
            path.Push(node);
            foreach (var next in Allowed[node])
            {
                if (state.GetValueOrDefault(next) == 1)
                    Assert.Fail($"cycle: {string.Join(" -> ", path.Reverse().SkipWhile(n => n != next))} -> {next}");
                if (state.GetValueOrDefault(next) == 0)
                    Visit(next);
            }
            path.Pop();
            state[node] = 2;
        }
        foreach (var node in Allowed.Keys.Where(n => state.GetValueOrDefault(n) == 0))
            Visit(node);
        // An edge nothing uses would let the picture promise a dependency that is not there (and guards the
        // check itself: if no reference were seen, every edge would be reported here).
        var unused = Allowed
            .SelectMany(a => a.Value.Select(to => (From: a.Key, To: to)))
            .Where(e => !NamespaceGraph.Uses(Prefix + e.From, Prefix + e.To))
            .ToList();
        Assert.True(
            unused.Count == 0,
            "listed but unused: " + string.Join(", ", unused.Select(e => $"{e.From} -> {e.To}"))
        );
    }

    [Fact]
    public void TheArchitecturePictureIsTheList()
    {
        string doc = File.ReadAllText(Path.Combine(TestData.Root, "docs", "architecture.md"));
        const string begin =
                "<!-- namespace-edges:begin (tests/FeatureInversion.Tests/Architecture/ArchitectureRules.cs) -->",
            end = "<!-- namespace-edges:end -->";
        int b = doc.IndexOf(begin, StringComparison.Ordinal),
            e = doc.IndexOf(end, StringComparison.Ordinal);
        string expected = Render();
        Assert.True(b >= 0 && e > b, $"docs/architecture.md has no {begin} … {end} block; it should hold:\n{expected}");
        string actual = doc[(b + begin.Length)..e].Trim('\n');
        Assert.True(
            actual == expected.Trim('\n'),
            $"docs/architecture.md's namespace table differs from the list; it should be:\n{expected}"
        );
    }

    /// <summary>The list as a Markdown table, lowest layer first: a namespace's layer is one above the highest of
    /// those it uses, so every row uses only rows above it.</summary>
    public static string Render()
    {
        var layer = new Dictionary<string, int>();
        int Layer(string n) =>
            layer.TryGetValue(n, out int l) ? l : layer[n] = Allowed[n].Length == 0 ? 0 : Allowed[n].Max(Layer) + 1;
        var text = new StringBuilder("| layer | namespace | uses |\n|---|---|---|\n");
        foreach (var n in Allowed.Keys.OrderBy(Layer).ThenBy(n => n, StringComparer.Ordinal))
            text.Append(
                $"| {Layer(n)} | `{n}` | "
                    + (Allowed[n].Length == 0 ? "—" : string.Join(", ", Allowed[n].Order(StringComparer.Ordinal)))
                    + " |\n"
            );
        return text.ToString();
    }
}
