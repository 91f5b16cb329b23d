using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace FeatureInversion.Tests.CommandLine;

/// <summary>README as a Markdown parser reads it (Markdig with GitHub's pipe tables): every table parses as a table,
/// every verb of the CLI is shown, and every relative link and figure points to a file of the repository.</summary>
public class ReadmeTests
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().Build();

    private static (string Text, MarkdownDocument Document) Readme()
    {
        string text = File.ReadAllText(Path.Combine(TestData.Root, "README.md"));
        return (text, Markdown.Parse(text, Pipeline));
    }

    [Fact]
    public void EveryTableRowIsPartOfATableWithTheHeadersColumnCount()
    {
        var (_, document) = Readme();
        var tables = document.Descendants<Table>().ToList();
        Assert.NotEmpty(tables);
        foreach (var table in tables)
        {
            var rows = table.OfType<TableRow>().ToList();
            int columns = rows[0].Count;
            foreach (var row in rows)
                Assert.True(
                    row.Count == columns,
                    $"README line {row.Line + 1}: {row.Count} cells in a table of {columns} columns"
                );
        }
        // A row cut off from its table (a blank line inside it) is a paragraph that starts with a pipe.
        var strays = document
            .Descendants<ParagraphBlock>()
            .Where(p => p.Inline?.FirstChild is LiteralInline { Content: var c } && c.ToString().StartsWith('|'))
            .ToList();
        Assert.True(
            strays.Count == 0,
            "table rows outside a table at README lines " + string.Join(", ", strays.Select(p => p.Line + 1))
        );
    }

    [Fact]
    public void EveryVerbOfTheCommandLineIsShown()
    {
        var (text, _) = Readme();
        var verbs = FeatureInversion.Trainer.Cli.BuildRoot().Subcommands.Select(c => c.Name).ToList();
        Assert.NotEmpty(verbs);
        var missing = verbs
            .Where(v =>
                !text.Contains($"-- {v} ", StringComparison.Ordinal)
                && !text.Contains($"`{v}`", StringComparison.Ordinal)
            )
            .ToList();
        Assert.True(missing.Count == 0, "README never shows the verbs " + string.Join(", ", missing));
    }

    [Fact]
    public void EveryRelativeLinkAndFigureExists()
    {
        var (_, document) = Readme();
        var links = document
            .Descendants<LinkInline>()
            .Select(l => (l.Url ?? "", l.Line + 1))
            .Where(l =>
                l.Item1.Length > 0
                && !l.Item1.Contains("://", StringComparison.Ordinal)
                && !l.Item1.StartsWith('#')
                && !l.Item1.StartsWith("mailto:", StringComparison.Ordinal)
            )
            .ToList();
        Assert.NotEmpty(links);
        var broken = links.Where(l => !Path.Exists(Path.Combine(TestData.Root, l.Item1.Split('#')[0]))).ToList();
        Assert.True(
            broken.Count == 0,
            "README links to missing files: " + string.Join(", ", broken.Select(b => $"{b.Item1} (line {b.Item2})"))
        );
    }
}
