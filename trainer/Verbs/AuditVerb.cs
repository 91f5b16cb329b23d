using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FeatureInversion.Analysis;
using FeatureInversion.Analysis.Audit;
using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Features;
using FeatureInversion.Features.Sources;
using FeatureInversion.Imaging;

namespace FeatureInversion.Trainer.Verbs;

/// <summary><c>audit</c>: what a leaked feature file reveals about photos the auditor owns (SIFT keypoints from a
/// COLMAP database, per-photo descriptor files or VLFeat computed here; HOG, LBP or CNN maps computed here), and how
/// thinning keypoints defends.</summary>
internal sealed class AuditVerb : IVerb
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly Argument<DirectoryInfo> _checkpoint = new("checkpoint")
    {
        Description =
            "A decoder checkpoint folder: sift-grid for keypoints; HOG, LBP or a CNN layer for maps computed here",
    };
    private readonly Option<DirectoryInfo> _photos = new("--photos")
    {
        Description = "The photos (all are candidates for re-identification)",
        Required = true,
        HelpName = "DIR",
    };
    private readonly Option<FileInfo?> _colmap = new("--colmap")
    {
        Description =
            "A COLMAP database made from these photos (matched by file name); default: VLFeat SIFT computed here, as "
            + "a leak of this project's sparse SIFT would hold",
        HelpName = "database.db",
    };
    private readonly Option<DirectoryInfo?> _leaked = new("--leaked")
    {
        Description =
            "Descriptor files, one per photo, named by it (photo.jpg → photo.npz, photo.key, photo.jpg.txt, …): OpenCV "
            + ".npz, Lowe .key, COLMAP feature text, N × 132 .npy",
        HelpName = "DIR",
    };
    private readonly Option<string> _keep = new("--keep")
    {
        Description = "Fractions of keypoints kept, for the defence curve",
        DefaultValueFactory = _ => "1,0.5,0.25,0.1",
        HelpName = "1,0.5,...",
    };
    private readonly Option<string?> _bits = new("--bits")
    {
        Description =
            "Descriptor precisions for the defence curve, in bits per value (1-8; with all keypoints kept), e.g. 4,2,1",
        HelpName = "8,4,...",
    };
    private readonly Option<int?> _workingSide = new("--working-side")
    {
        Description = "Short side (px) of the reconstructions; default: the decoder's trained scale",
        HelpName = "pixels",
    };
    private readonly Option<bool> _noCnn = new("--no-cnn")
    {
        Description = "Re-identify by pixels only (skip the ResNet18 similarity)",
    };
    private readonly Option<FileInfo?> _report = new("--output", "-o")
    {
        Description = "JSON report to write",
        HelpName = "audit.json",
    };
    private readonly Option<FileInfo?> _curve = new("--curve")
    {
        Description = "Defence curve PNG: error and re-identification against keypoints kept",
        HelpName = "curve.png",
    };
    private readonly Option<bool> _allScales = new("--all-scales")
    {
        Description =
            "Keep keypoints smaller than the detector finds at the working resolution (dropped by default: the "
            + "decoder never saw such)",
    };
    private readonly Option<DeviceChoice> _device = CommonOptions.Device();
    private readonly Option<bool> _quiet = ConsoleProgress.QuietOption();

    public AuditVerb()
    {
        _keep.Validators.Add(r =>
        {
            if (Fractions(r.GetValue(_keep)!) is null)
                r.AddError("--keep takes fractions in (0, 1] separated by commas, e.g. 1,0.5,0.1.");
        });
        _bits.Validators.Add(r =>
        {
            if (r.GetValue(_bits) is { } text && Bits(text) is null)
                r.AddError("--bits takes whole numbers of bits from 1 to 8 separated by commas, e.g. 4,2,1.");
        });
        _workingSide.Validators.Add(r =>
        {
            if (r.GetValue(_workingSide) is < 16 or > 4096)
                r.AddError("--working-side must be 16 to 4096 pixels.");
        });
        Command = new Command(
            "audit",
            "What a leaked feature file reveals about your photos: whole-image reconstructions, re-identification "
                + "against chance, and the defence curve (keypoints kept)."
        )
        {
            _checkpoint,
            _photos,
            _colmap,
            _leaked,
            _keep,
            _bits,
            _workingSide,
            _allScales,
            _noCnn,
            _report,
            _curve,
            _device,
            _quiet,
        };
        Command.SetAction(Run);
    }

    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        var console = parse.InvocationConfiguration.Output;
        var checkpoint = CommonOptions.ExistingFolder(parse.GetValue(_checkpoint)!);
        var folder = CommonOptions.ExistingFolder(parse.GetValue(_photos)!);
        var registry = CommonOptions.Registry(null);
        var (network, manifest) = DecoderCheckpoint.Load(
            checkpoint.FullName,
            registry,
            device: TorchDevices.Resolve(parse.GetValue(_device))
        );
        using (network)
        {
            var photos = Directory
                .GetFiles(folder.FullName)
                .Where(ImageFiles.HasPhotoExtension)
                .Order(StringComparer.Ordinal)
                .ToList();
            var meanImage = DecoderCheckpoint.TryLoadMeanImage(checkpoint.FullName, network.Spec.ImageSize)
                ?? throw new InvalidDataException(
                    $"{checkpoint.Name}: no {DecoderCheckpoint.MeanImageFileName}; the error is measured against the "
                        + $"decoder's mean image."
                );
            using var embedding = parse.GetValue(_noCnn) ? null : registry.Get("resnet18-pool5").Create();
            var audit = new LeakAudit(network, meanImage, embedding);
            var options = new AuditOptions(
                Fractions(parse.GetValue(_keep)!)!,
                parse.GetValue(_workingSide),
                AllScales: parse.GetValue(_allScales),
                DescriptorBits: parse.GetValue(_bits) is { } bits ? Bits(bits) : null
            );
            var (db, leakedDir) = (parse.GetValue(_colmap), parse.GetValue(_leaked));
            bool quiet = parse.GetValue(_quiet);
            if (db is not null && leakedDir is not null)
                throw new ArgumentException("Give --colmap or --leaked, not both.");
            AuditReport report;
            if (network.Spec.Representation.Decoder != DecoderLayout.Sift)
            {
                if (db is not null || leakedDir is not null)
                    throw new ArgumentException(
                        $"--colmap and --leaked hold SIFT keypoints: audit them with a sift-grid decoder, not "
                            + $"{network.Spec.Representation}."
                    );
                var whole = options with
                {
                    KeepFractions = parse.GetResult(_keep) is { Implicit: false } ? options.KeepFractions : [1.0],
                };
                report = ConsoleProgress.Run(
                    parse.InvocationConfiguration.Error,
                    quiet,
                    "reconstructions",
                    LeakAudit.Reconstructions(photos, whole),
                    progress =>
                        audit.RunWholePhotos(
                            photos,
                            $"{network.Spec.Representation} maps (computed here)",
                            whole,
                            progress
                        )
                );
            }
            else
            {
                string source;
                Dictionary<string, KeypointSet> leaked;
                if (db is not null)
                {
                    var file = ColmapDatabase.Read(CommonOptions.ExistingFile(db).FullName);
                    foreach (var r in file.Refused)
                        console.WriteLine($"warning: {db.Name}: image '{r.Name}' skipped: {r.Reason}.");
                    leaked = file
                        .Images.GroupBy(i => Path.GetFileName(i.Name.Replace('\\', '/')))
                        .ToDictionary(g => g.Key, g => g.First());
                    source = $"COLMAP SIFT ({db.Name})";
                }
                else if (leakedDir is not null)
                {
                    var files = LeakedFiles(photos, CommonOptions.ExistingFolder(leakedDir).FullName, console);
                    leaked = files.Sets;
                    source = $"{files.Source} files ({leakedDir.Name})";
                }
                else
                {
                    leaked = ConsoleProgress.Run(
                        parse.InvocationConfiguration.Error,
                        quiet,
                        "SIFT keypoints",
                        photos.Count,
                        progress => LeakAudit.VlFeatKeypoints(photos, progress)
                    );
                    source = "VLFeat SIFT keypoints";
                }
                report = ConsoleProgress.Run(
                    parse.InvocationConfiguration.Error,
                    quiet,
                    "reconstructions",
                    LeakAudit.Reconstructions(photos, options, leaked),
                    progress => audit.Run(photos, leaked, source, options, progress)
                );
            }

            console.WriteLine(
                $"{manifest.Version}: {report.Audited} of {report.Candidates} photos audited, reconstructed at a "
                    + $"short side of {report.WorkingShortSide} px"
            );
            console.WriteLine(
                $"{"kept", 6} {"error/mean", 11} {"SSIM", 6} {"pixel top-1", 12} {"top-5", 6} {"cnn top-1", 10} "
                    + $"{"top-5", 6}"
            );
            foreach (var l in report.Levels)
                console.WriteLine(
                    $"{Label(l), 6} {l.ErrorVsMeanImage, 11:F3} {l.Ssim, 6:F3} {l.PixelTop1, 12:P0} "
                        + $"{l.PixelTop5, 6:P0} {Percent(l.CnnTop1), 10} {Percent(l.CnnTop5), 6}"
                );
            console.WriteLine($"{"chance", 6} {"", 11} {"", 6} {report.ChanceTop1, 12:P0} {report.ChanceTop5, 6:P0}");
            foreach (var line in report.ImageVerdicts())
                console.WriteLine("  " + line);
            foreach (var l in report.Levels)
                console.WriteLine("verdict: " + report.VerdictAt(l));
            if (parse.GetValue(_report) is { } json)
                File.WriteAllText(
                    json.FullName,
                    JsonSerializer.Serialize(
                        new
                        {
                            report.Source,
                            report.Candidates,
                            report.Audited,
                            report.WorkingShortSide,
                            report.ChanceTop1,
                            report.ChanceTop5,
                            report.Verdict,
                            report.Levels,
                        },
                        Indented
                    )
                );
            if (parse.GetValue(_curve) is { } curve)
                File.WriteAllBytes(curve.FullName, DefenceCurve.From(report).RenderPng());
            return 0;
        }
    }

    /// <summary>Each photo's descriptor file in <paramref name="dir"/>: <c>{photo}.*</c> or <c>{photo stem}.*</c>
    /// holding SIFT keypoints, read at the photo's size; photos without one are candidates only.</summary>
    private static (Dictionary<string, KeypointSet> Sets, string Source) LeakedFiles(
        List<string> photos,
        string dir,
        TextWriter console
    )
    {
        var sets = new Dictionary<string, KeypointSet>(StringComparer.Ordinal);
        var sources = new HashSet<string>(StringComparer.Ordinal);
        var files = Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToList();
        foreach (var photo in photos)
        {
            string name = Path.GetFileName(photo),
                stem = Path.GetFileNameWithoutExtension(photo);
            var match = files.FirstOrDefault(f =>
                (Path.GetFileNameWithoutExtension(f) == name || Path.GetFileNameWithoutExtension(f) == stem)
                && DescriptorFiles.Kind(f) is not null
            );
            if (match is null)
                continue;
            var header = ImageFiles.ReadHeader(photo);
            var file = DescriptorFiles.Read(match, (header.Width, header.Height));
            if (file.Images.Count == 0)
            {
                console.WriteLine($"warning: {Path.GetFileName(match)}: no keypoints; {name} is a candidate only.");
                continue;
            }
            sets[name] = file.Images[0] with { Name = name };
            sources.Add(file.Source);
        }
        if (sets.Count == 0)
            throw new ArgumentException(
                $"{dir}: no descriptor file named after any of the {photos.Count} photos (photo.npz, photo.key, …)."
            );
        return (sets, string.Join(" and ", sources.Order(StringComparer.Ordinal)));
    }

    private static string Percent(double? value) => value is { } v ? v.ToString("P0", CultureInfo.CurrentCulture) : "-";

    private static string Label(AuditLevel level) => DefenceCurve.Label(level.Keep, level.Bits);

    private static List<int>? Bits(string text)
    {
        var values = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v is < 1 or > 8)
                return null;
            values.Add(v);
        }
        return values.Count == 0 ? null : values;
    }

    private static List<double>? Fractions(string text)
    {
        var values = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (
                !double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                || !(v > 0 && v <= 1)
            )
                return null;
            values.Add(v);
        }
        return values.Count == 0 ? null : values;
    }
}
