using System.Text.RegularExpressions;
using FeatureInversion.Trainer;

namespace FeatureInversion.Tests.CommandLine;

/// <summary>The figures of docs/img come from one script (scripts/make-figures.sh): every file there is written by a
/// line of it, and the plots it redraws from recorded results (docs/data) redraw.</summary>
public class FigureTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fi-figures-").FullName;

    private static string Script => File.ReadAllText(Path.Combine(TestData.Root, "scripts", "make-figures.sh"));

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void EveryFigureInDocsImgIsWrittenByTheFigureScript()
    {
        // The script's docs/img paths, '*' standing for a decoder version.
        var written = Regex
            .Matches(Script, @"docs/img/[\w./*-]+\.png")
            .Select(m => new Regex("^" + Regex.Escape(m.Value).Replace(@"\*", "[^/]+") + "$"))
            .ToList();
        string img = Path.Combine(TestData.Root, "docs", "img");
        var figures = Directory
            .GetFiles(img, "*", SearchOption.AllDirectories)
            .Select(f => "docs/img/" + Path.GetRelativePath(img, f).Replace('\\', '/'))
            .ToList();
        Assert.NotEmpty(figures);
        var orphans = figures.Where(f => !written.Any(w => w.IsMatch(f))).ToList();
        Assert.True(orphans.Count == 0, $"not made by scripts/make-figures.sh: {string.Join(", ", orphans)}");
    }

    [Fact]
    public async Task TheRecordedResultsRedrawThroughTheVerbsTheScriptCalls()
    {
        var calls = Regex
            .Matches(
                Script,
                @"^cli (layer-curve|data-study|defence-curve) (docs/data/\S+) -o (docs/img/\S+)$",
                RegexOptions.Multiline
            )
            .ToList();
        Assert.Equal(5, calls.Count);
        foreach (var call in calls)
        {
            string png = Path.Combine(_dir, Path.GetFileName(call.Groups[3].Value));
            var stderr = new StringWriter();
            int code = await Cli.RunAsync(
                [call.Groups[1].Value, Path.Combine(TestData.Root, call.Groups[2].Value), "-o", png],
                new StringWriter(),
                stderr
            );
            Assert.True(code == 0, $"{call.Value}: {stderr}");
            var header = ImageFiles.ReadHeader(png);
            Assert.True(header.Width >= 600 && header.Height >= 300, $"{call.Value}: {header.Width}x{header.Height}");
        }
    }

    [Fact]
    public async Task ARecordedTableThatIsNotOneSaysWhatItNeeds()
    {
        string bad = Path.Combine(_dir, "layers.tsv");
        File.WriteAllText(bad, "conv1\t0.3\t\n"); // no size or baseline
        var stderr = new StringWriter();
        Assert.Equal(
            1,
            await Cli.RunAsync(["layer-curve", bad, "-o", Path.Combine(_dir, "x.png")], new StringWriter(), stderr)
        );
        Assert.Contains("needs '# size N', '# baseline E'", stderr.ToString());
        string json = Path.Combine(_dir, "audit.json");
        File.WriteAllText(json, "{\"Levels\": 3}");
        stderr = new StringWriter();
        Assert.Equal(
            1,
            await Cli.RunAsync(["defence-curve", json, "-o", Path.Combine(_dir, "y.png")], new StringWriter(), stderr)
        );
        Assert.Contains("not an audit report written by 'audit -o'", stderr.ToString());
    }
}
