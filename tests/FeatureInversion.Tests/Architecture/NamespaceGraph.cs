using System.Reflection;
using NetArchTest.Rules;

namespace FeatureInversion.Tests.Architecture;

/// <summary>
/// The project's namespace graph as the compiled assemblies have it (NetArchTest reads every type's IL: signatures,
/// bodies, attributes): an edge A → B when a type of namespace A (exactly A, not its children) uses a type of
/// namespace B. Compiler-generated types (lambdas, async state machines) count for the namespace they are nested in.
/// </summary>
internal static class NamespaceGraph
{
    /// <summary>Every assembly of the project: the library's, the function app, the CLI and the worker.</summary>
    public static Assembly[] Assemblies { get; } =
        new[]
        {
            "FeatureInversion.Imaging",
            "FeatureInversion.Features",
            "FeatureInversion.Models",
            "FeatureInversion.Onnx",
            "FeatureInversion.Decoders",
            "FeatureInversion.Training",
            "FeatureInversion.Analysis",
            "FeatureInversion.Pipeline",
            "FeatureInversion.Reconstruction",
            "FeatureInversion.Functions",
            "FeatureInversion.Trainer",
            "FeatureInversion.Worker",
        }
            .Select(Assembly.Load)
            .ToArray();

    private static readonly Lazy<IReadOnlyDictionary<string, string[]>> TypesByNamespace = new(() =>
        Types
            .InAssemblies(Assemblies)
            .GetTypes()
            .Where(t => t.Namespace?.StartsWith("FeatureInversion", StringComparison.Ordinal) == true)
            .GroupBy(t => t.Namespace!)
            .ToDictionary(g => g.Key, g => g.Select(t => t.FullName!.Split('`')[0]).Distinct().ToArray())
    );

    /// <summary>The project's namespaces (those declaring at least one type).</summary>
    public static IReadOnlyCollection<string> Namespaces => TypesByNamespace.Value.Keys.ToList();

    /// <summary>The full names of the types declared in namespace <paramref name="ns"/> (exactly).</summary>
    public static string[] TypesOf(string ns) => TypesByNamespace.Value.GetValueOrDefault(ns, []);

    /// <summary>The types of <paramref name="from"/> that use a type of <paramref name="to"/>.</summary>
    public static IReadOnlyList<string> Users(string from, string to)
    {
        if (!TypesByNamespace.Value.TryGetValue(to, out var targets))
            return [];
        var found = Types
            .InAssemblies(Assemblies)
            .That()
            .ResideInNamespaceMatching($"^{System.Text.RegularExpressions.Regex.Escape(from)}$")
            .And()
            .HaveDependencyOnAny(targets)
            .GetTypes();
        return found.Select(t => t.FullName!).ToList();
    }

    /// <summary>Whether <paramref name="from"/> uses <paramref name="to"/>.</summary>
    public static bool Uses(string from, string to) => from != to && Users(from, to).Count > 0;
}
