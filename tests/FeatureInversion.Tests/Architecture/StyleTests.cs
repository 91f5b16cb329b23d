namespace FeatureInversion.Tests.Architecture;

/// <summary>
/// The one style rule no formatter enforces: lines of at most 120 characters. CSharpier lays code out at that width
/// (scripts/style/check.sh) but leaves comments and string literals as written.
/// </summary>
public class StyleTests
{
    public const int MaxLineLength = 120;

    private static readonly string[] SourceFolders = ["shared", "trainer", "functions", "tests", "build"];
    private static readonly string[] Extensions = [".cs", ".razor"];

    [Fact]
    public void NoSourceLineIsLongerThan120Characters()
    {
        var files = SourceFolders
            .Select(f => Path.Combine(TestData.Root, f))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.Ordinal))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"))
            .ToList();
        Assert.NotEmpty(files);
        var longLines = files
            .SelectMany(f =>
                File.ReadLines(f)
                    .Select((line, i) => (Line: line, Number: i + 1))
                    .Where(l => l.Line.Length > MaxLineLength)
                    .Select(l => $"{Path.GetRelativePath(TestData.Root, f)}:{l.Number} ({l.Line.Length} characters)")
            )
            .ToList();
        Assert.True(longLines.Count == 0, string.Join("\n", longLines.Take(40)));
    }
}
