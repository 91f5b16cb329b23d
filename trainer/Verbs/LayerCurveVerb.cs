using System.CommandLine;
using System.Globalization;
using FeatureInversion.Analysis;
using FeatureInversion.Models;

namespace FeatureInversion.Trainer.Verbs;

/// <summary><c>layer-curve</c>: normalized error per ResNet18 layer from trained decoders' manifests (Figure
/// 7).</summary>
internal sealed class LayerCurveVerb : IVerb
{
    private readonly Argument<FileSystemInfo[]> _sources = new("checkpoints")
    {
        Description =
            "Checkpoint folders, or folders holding them; or a recorded table (.tsv, docs/data/resnet18-layers.tsv)",
        Arity = ArgumentArity.OneOrMore,
    };
    private readonly Option<FileInfo?> _record = new("--record")
    {
        Description = "Also write the curve as a table (.tsv) that this verb redraws without the checkpoints",
        HelpName = "layers.tsv",
    };
    private readonly Option<FileInfo> _output = new("--output", "-o")
    {
        Description = "The PNG plot to write",
        Required = true,
        HelpName = "plot.png",
    };

    public LayerCurveVerb()
    {
        Command = new Command(
            "layer-curve",
            "Normalized error per ResNet18 layer (fixed encoder and autoencoder decoders) as a PNG plot like the "
                + "paper's Figure 7 and a Markdown table, from checkpoints or a recorded table."
        )
        {
            _sources,
            _output,
            _record,
        };
        Command.SetAction(Run);
    }

    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var sources = parse.GetValue(_sources)!;
        LayerCurve curve;
        if (sources is [FileInfo { Exists: true } table])
            curve = LayerCurve.FromTable(File.ReadLines(table.FullName), table.Name);
        else
        {
            var dirs = sources
                .SelectMany(p =>
                    File.Exists(Path.Combine(p.FullName, DecoderManifest.FileName)) ? [p.FullName]
                    : Directory.Exists(p.FullName) ? Directory.GetDirectories(p.FullName)
                    : throw new IOException(
                        $"{p}: no such folder (give checkpoint folders, or one recorded .tsv table)"
                    )
                )
                .ToList();
            curve = LayerCurve.From(
                dirs.Where(d => File.Exists(Path.Combine(d, DecoderManifest.FileName))).Select(DecoderManifest.Read)
            );
        }
        if (parse.GetValue(_record) is { } record)
            File.WriteAllText(record.FullName, curve.ToTable());
        var output = parse.GetValue(_output)!;
        File.WriteAllBytes(output.FullName, curve.RenderPng());

        stdout.WriteLine("| layer | fixed encoder | autoencoder |");
        stdout.WriteLine("|---|---:|---:|");
        for (int i = 0; i < curve.Layers.Count; i++)
            stdout.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {curve.Layers[i]} | {curve.FixedEncoder[i]:0.000} | {curve.Autoencoder[i]:0.000} |"
                )
            );
        stdout.WriteLine(
            string.Create(CultureInfo.InvariantCulture, $"mean-image baseline {curve.Baseline:0.000}; plot -> {output}")
        );
        return 0;
    }
}
