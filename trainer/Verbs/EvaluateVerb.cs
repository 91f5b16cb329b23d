using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FeatureInversion.Analysis;
using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;

namespace FeatureInversion.Trainer.Verbs;

/// <summary><c>evaluate</c>: the paper's error, PSNR and SSIM of a decoder on crops of test photos, and a contact
/// sheet.</summary>
internal sealed class EvaluateVerb : IVerb
{
    private static readonly JsonSerializerOptions ReportJson = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    private readonly Argument<DirectoryInfo> _checkpoint = new("checkpoint")
    {
        Description = "Decoder checkpoint folder (manifest.json, weights.dat)",
    };
    private readonly Option<DirectoryInfo> _test = new("--test")
    {
        Description = "Folder of test photographs",
        Required = true,
        HelpName = "DIR",
    };
    private readonly Option<int> _perPhoto = new("--per-photo")
    {
        Description = "Crops per photo (the centred square, then seeded random crops)",
        DefaultValueFactory = _ => 10,
    };
    private readonly Option<int?> _evalSize = new("--eval-size")
    {
        Description = "Upsample the decoder output bilinearly to this size before comparing",
        HelpName = "N",
    };
    private readonly Option<FileInfo?> _report = new("--output", "-o")
    {
        Description = "JSON report to write",
        HelpName = "report.json",
    };
    private readonly Option<FileInfo?> _sheet = new("--sheet")
    {
        Description = "Contact sheet PNG: original | feature energy | reconstruction",
        HelpName = "sheet.png",
    };
    private readonly Option<bool> _record = new("--record")
    {
        Description =
            "Store this evaluation in the checkpoint's manifest (at the decoder's own size, 10 crops per photo, "
            + "every crop reconstructed)",
    };
    private readonly Option<DeviceChoice> _device = CommonOptions.Device();
    private readonly Option<bool> _quiet = ConsoleProgress.QuietOption();
    private readonly Option<FileInfo?> _alexNet = CommonOptions.AlexNet();

    public EvaluateVerb()
    {
        Command = new Command(
            "evaluate",
            "Average normalized reconstruction error (the paper's metric), PSNR and SSIM on crops of the test photos."
        )
        {
            _checkpoint,
            _test,
            _perPhoto,
            _evalSize,
            _report,
            _sheet,
            _record,
            _device,
            _quiet,
            _alexNet,
        };
        Command.SetAction(Run);
    }

    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var checkpoint = CommonOptions.ExistingFolder(parse.GetValue(_checkpoint)!);
        var test = CommonOptions.ExistingFolder(parse.GetValue(_test)!);
        var (network, manifest) = DecoderCheckpoint.Load(
            checkpoint.FullName,
            CommonOptions.Registry(parse.GetValue(_alexNet)),
            device: TorchDevices.Resolve(parse.GetValue(_device))
        );
        using (network)
        {
            int evalSize = parse.GetValue(_evalSize) ?? network.Spec.ImageSize;
            var meanImage = DecoderCheckpoint.TryLoadMeanImage(checkpoint.FullName, evalSize);
            int perPhoto = parse.GetValue(_perPhoto);
            int crops = DecoderEvaluation.CropCount(test.FullName, perPhoto);
            var (report, targets, reconstructions, features) = ConsoleProgress.Run(
                parse.InvocationConfiguration.Error,
                parse.GetValue(_quiet),
                $"features of {crops} test crops",
                crops,
                progress =>
                    DecoderEvaluation.Run(network, manifest, test.FullName, perPhoto, evalSize, meanImage, progress)
            );
            stdout.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{report.Decoder}: {report.TestImages} test images at {report.EvaluationSize}px: normalized "
                        + $"error {report.NormalizedError:F4}, PSNR {report.Psnr:F2} dB, SSIM {report.Ssim:F4}"
                )
            );
            string baseline = report.MeanImageBaselineError is { } b
                ? b.ToString("F4", CultureInfo.InvariantCulture)
                : $"n/a (no {DecoderCheckpoint.MeanImageFileName} in the checkpoint)";
            stdout.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"  mean training image: {baseline}; colour gain {report.ColorGain:+0.0000;-0.0000} "
                        + $"(error of the reconstruction's own gray minus its error; on its luminance the true "
                        + $"colour would give {report.TrueChromaGain:+0.0000;-0.0000}, the mean image's colour "
                        + $"{Figure(report.MeanImageChromaGain, "+0.0000;-0.0000")})"
                )
            );
            stdout.WriteLine($"  kernels: {report.Kernels}");
            if (report.PerSource is { } perSource)
            {
                stdout.WriteLine(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"  cross-source (photos from packages no training photo comes from): "
                            + $"{Figure(report.CrossSourceError)}; same-source: {Figure(report.SameSourceError)}"
                    )
                );
                foreach (var source in perSource)
                    stdout.WriteLine(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"  {(source.CrossSource ? "cross" : "same "), -5} {source.Source, -28} "
                                + $"{source.NormalizedError:F4}  ({source.Photos} photos, {source.Crops} crops)"
                        )
                    );
            }
            foreach (var photo in report.PerPhoto)
                stdout.WriteLine(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"  {photo.Photo, -28} {photo.NormalizedError:F4}  ({photo.Crops} crops)"
                    )
                );
            if (parse.GetValue(_report) is { } json)
            {
                File.WriteAllText(json.FullName, JsonSerializer.Serialize(report, ReportJson));
                stdout.WriteLine($"report -> {json}");
            }
            if (parse.GetValue(_sheet) is { } sheet)
            {
                int n = Math.Min(8, targets.Count);
                int step = Math.Max(1, targets.Count / n);
                var pick = Enumerable.Range(0, n).Select(i => i * step).ToList();
                File.WriteAllBytes(
                    sheet.FullName,
                    ContactSheet.Render(
                        pick.Select(i => targets[i]).ToList(),
                        pick.Select(i => features[i]).ToList(),
                        pick.Select(i => reconstructions[i]).ToList()
                    )
                );
                stdout.WriteLine($"sheet (original | feature energy | reconstruction) -> {sheet}");
            }
            if (parse.GetValue(_record))
            {
                // A manifest's figure is the standard one, comparable with what training records.
                if (
                    evalSize != network.Spec.ImageSize
                    || perPhoto != 10
                    || report.FailedCrops.Count > 0
                    || meanImage is null
                )
                {
                    parse.InvocationConfiguration.Error.WriteLine(
                        "error: --record stores only the standard evaluation (the decoder's own size, 10 crops per "
                            + "photo, no failed crop, the checkpoint's mean image as baseline); the manifest was not "
                            + "changed."
                    );
                    return 1;
                }
                DecoderCheckpoint.RecordEvaluation(checkpoint.FullName, report.Record!);
                stdout.WriteLine(
                    $"evaluation recorded in " + $"{Path.Combine(checkpoint.FullName, Models.DecoderManifest.FileName)}"
                );
            }
            if (report.FailedCrops.Count > 0)
            {
                var stderr = parse.InvocationConfiguration.Error;
                stderr.WriteLine(
                    $"error: {report.FailedCrops.Count} of {report.TestImages + report.FailedCrops.Count} crops "
                        + $"failed (left out of every figure above; listed in the report):"
                );
                foreach (var f in report.FailedCrops)
                    stderr.WriteLine($"  crop {f.Index} of {f.Photo}: {f.Reason}");
                return 1;
            }
        }
        return 0;
    }

    private static string Figure(double? value, string format = "F4") =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "none";
}
