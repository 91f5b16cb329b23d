using System.CommandLine;
using System.Globalization;
using FeatureInversion.Analysis;

namespace FeatureInversion.Trainer.Verbs;

/// <summary><c>data-study</c>: plots the table scripts/data-study.sh writes (test error against the number of training
/// photos, one line per colour jitter, with the mean-image baseline) and prints it as Markdown.</summary>
internal sealed class DataStudyVerb : IVerb
{
    private readonly Argument<FileInfo> _table = new("results")
    {
        Description =
            "results.tsv of scripts/data-study.sh: photos, jitter, error, colour gain, baseline per line ('# steps N' "
            + "puts the steps in the title)",
    };
    private readonly Option<FileInfo> _output = new("--output", "-o")
    {
        Description = "The PNG plot to write",
        Required = true,
        HelpName = "plot.png",
    };

    public DataStudyVerb()
    {
        Command = new Command(
            "data-study",
            "Plot test error against the number of training photos per colour jitter (from scripts/data-study.sh) and "
                + "print the table."
        )
        {
            _table,
            _output,
        };
        Command.SetAction(Run);
    }

    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var file = CommonOptions.ExistingFile(parse.GetValue(_table)!);
        var lines = File.ReadAllLines(file.FullName);
        // '# steps N': the steps of every run, for the title (docs/data/data-study.tsv records it)
        string? steps = lines
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(w => w is ["#", "steps", _])
            ?[2];
        var rows = lines
            .Where(l => l.Trim().Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .Select(f =>
                f.Length == 5
                    ? (
                        Photos: int.Parse(f[0], CultureInfo.InvariantCulture),
                        Jitter: f[1],
                        Error: double.Parse(f[2], CultureInfo.InvariantCulture),
                        Gain: double.Parse(f[3], CultureInfo.InvariantCulture),
                        Baseline: double.Parse(f[4], CultureInfo.InvariantCulture)
                    )
                    : throw new InvalidDataException(
                        $"{file}: expected 5 tab-separated columns, got '{string.Join("\t", f)}'"
                    )
            )
            .ToList();
        if (rows.Count == 0)
            throw new InvalidDataException($"{file}: no rows");
        var photos = rows.Select(r => r.Photos).Distinct().Order().ToList();
        (float, float, float)[] colours =
        [
            (0.12f, 0.47f, 0.71f),
            (1f, 0.5f, 0.05f),
            (0.17f, 0.63f, 0.17f),
            (0.84f, 0.15f, 0.16f),
        ];
        var series = rows.Select(r => r.Jitter)
            .Distinct()
            .Select(
                (j, i) =>
                    new PlotSeries(
                        $"colour jitter {j}",
                        colours[i % colours.Length],
                        photos
                            .Select(p =>
                                rows.Where(r => r.Photos == p && r.Jitter == j)
                                    .Select(r => (double?)r.Error)
                                    .FirstOrDefault()
                            )
                            .ToList()
                    )
            )
            .ToList();
        series.Add(
            new PlotSeries(
                "mean training image",
                (0.5f, 0.5f, 0.5f),
                photos.Select(p => (double?)rows.First(r => r.Photos == p).Baseline).ToList()
            )
        );
        var output = parse.GetValue(_output)!;
        File.WriteAllBytes(
            output.FullName,
            ErrorCurvePlot.Render(
                steps is null
                    ? "HOG, 64 px: test error vs training photos"
                    : $"HOG, 64 px, {steps} steps per run: test error vs training photos",
                photos.Select(p => p.ToString(CultureInfo.InvariantCulture)).ToList(),
                series,
                0.4,
                0.8,
                xLabel: "training photos (nested subsets)",
                legendOutside: true
            )
        );

        stdout.WriteLine("| training photos | colour jitter | test error | colour gain | mean-image baseline |");
        stdout.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            stdout.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {r.Photos} | {r.Jitter} | {r.Error:0.0000} | {r.Gain:+0.0000;-0.0000} | {r.Baseline:0.0000} |"
                )
            );
        stdout.WriteLine($"plot -> {output}");
        return 0;
    }
}
