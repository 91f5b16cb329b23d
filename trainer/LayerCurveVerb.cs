using System.Globalization;
using FeatureInversion.Analysis;
using FeatureInversion.Decoders;
using FeatureInversion.Features;
using FeatureInversion.Imaging;
using FeatureInversion.Onnx;

namespace FeatureInversion.Trainer;

/// <summary>The layer-curve verb: the paper's Figure 7 from the manifests of trained deep-layer decoders.</summary>
public static partial class Cli
{
    private static int LayerCurve(string[] args, TextWriter stdout)
    {
        var (positional, o) = Parse(args, "-o");
        if (positional.Count == 0) throw new UsageException("layer-curve needs checkpoint folders (or folders holding them)");
        string output = o.GetValueOrDefault("-o") ?? throw new UsageException("layer-curve needs -o plot.png");
        var dirs = positional.SelectMany(p => File.Exists(Path.Combine(p, DecoderManifest.FileName)) ? [p]
            : Directory.Exists(p) ? Directory.GetDirectories(p) : throw new IOException($"{p}: no such folder")).ToList();
        var manifests = dirs.Where(d => File.Exists(Path.Combine(d, DecoderManifest.FileName))).Select(DecoderCheckpoint.ReadManifest)
            .Where(m => m.Representation.StartsWith(ResNet18Representation.Prefix, StringComparison.Ordinal) && m.Evaluation is not null).ToList();
        if (manifests.Count == 0) throw new IOException("no evaluated resnet18-* decoders among the given folders");

        var layers = ResNet18Layers.All.Keys.ToList();
        double? Error(string layer, bool autoencoder) => manifests
            .Where(m => m.Representation == ResNet18Representation.Prefix + layer && m.RepresentationSettings.ContainsKey(DecoderCheckpoint.EncoderSetting) == autoencoder)
            .OrderByDescending(m => m.CreatedUtc).Select(m => (double?)m.Evaluation!.NormalizedError).FirstOrDefault();
        var fixedErrors = layers.Select(l => Error(l, false)).ToList();
        var aeErrors = layers.Select(l => Error(l, true)).ToList();
        double baseline = manifests.Average(m => m.Evaluation!.MeanImageBaselineError);
        var series = new List<PlotSeries> { new("fixed ResNet18 encoder", (0.12f, 0.35f, 0.75f), fixedErrors) };
        if (aeErrors.Any(e => e is not null)) series.Add(new("autoencoder", (0.85f, 0.33f, 0.1f), aeErrors));
        series.Add(new("mean image", (0.5f, 0.5f, 0.5f), layers.Select(_ => (double?)baseline).ToList()));
        var size = manifests[0].ImageSize;
        var plot = ErrorCurvePlot.Draw($"ResNet18 layer inversion, {size}x{size}, held-out photos", layers, series);
        ImageFiles.SavePng(plot, output);

        stdout.WriteLine("| layer | fixed encoder | autoencoder |");
        stdout.WriteLine("|---|---:|---:|");
        for (int i = 0; i < layers.Count; i++)
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {layers[i]} | {fixedErrors[i]:0.000} | {aeErrors[i]:0.000} |"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mean-image baseline {baseline:0.000}; plot -> {output}"));
        return 0;
    }
}
