using System.Text.RegularExpressions;

namespace FeatureInversion.Tests.Infrastructure;

/// <summary>One role assignment of the deployment: who, which role (a key of main.bicep's <c>roles</c>), on
/// what.</summary>
public sealed record RoleRow(string Identity, string Role, string Scope, string Target)
{
    public override string ToString() => $"{Identity} {Role} on {Scope}{(Target.Length > 0 ? ":" + Target : "")}";
}

/// <summary>
/// The role table as <c>infra/main.bicep</c> deploys it (<c>var roleTable</c>) and as docs/pipeline.md states it.
/// </summary>
public static partial class RoleTable
{
    public static IReadOnlyList<RoleRow> FromBicep()
    {
        string bicep = File.ReadAllText(Path.Combine(TestData.Root, "infra", "main.bicep"));
        int start = bicep.IndexOf("var roleTable = [", StringComparison.Ordinal);
        Assert.True(start >= 0, "infra/main.bicep has no 'var roleTable = [' block");
        int end = bicep.IndexOf("\n]", start, StringComparison.Ordinal);
        return
        [
            .. BicepRow()
                .Matches(bicep[start..end])
                .Select(m => new RoleRow(m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value)),
        ];
    }

    public static IReadOnlyList<RoleRow> FromDocs()
    {
        var rows = new List<RoleRow>();
        foreach (var line in File.ReadLines(Path.Combine(TestData.Root, "docs", "pipeline.md")))
        {
            var m = DocsRow().Match(line);
            if (m.Success)
                rows.Add(new RoleRow(m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, m.Groups[5].Value));
        }
        return rows;
    }

    [GeneratedRegex(
        @"\{ identity: '(\w+)', role: '(\w+)', scope: '(\w+)', target: '([^']*)' \}",
        RegexOptions.CultureInvariant
    )]
    private static partial Regex BicepRow();

    // | identity (any note) | `roleKey` (Azure name) | `scope` or `scope:target` | why |
    [GeneratedRegex(@"^\| (\w+)[^|]* \| `(\w+)`[^|]* \| `(\w+)(:([\w-]+))?` \|", RegexOptions.CultureInvariant)]
    private static partial Regex DocsRow();
}
