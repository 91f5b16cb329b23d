using System.CommandLine;
using System.Globalization;
using FeatureInversion.Analysis.FeatureSpace;
using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Imaging;
using FeatureInversion.Models;
using FeatureInversion.Onnx;
using FeatureInversion.Training;

namespace FeatureInversion.Trainer.Verbs;

/// <summary>
/// <c>analyze perturb | topk | interpolate | random</c>: the paper's feature-space analyses (§5.3–5.5) with trained
/// decoders, on the test crops and metric of <c>evaluate</c>; each prints a Markdown table and writes a sheet.
/// </summary>
internal sealed class AnalyzeVerb : IVerb
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private readonly Option<DeviceChoice> _device = CommonOptions.Device();
    private readonly Option<FileInfo?> _alexNet = CommonOptions.AlexNet();
    private readonly Option<bool> _quiet = ConsoleProgress.QuietOption();

    public AnalyzeVerb()
    {
        Command = new Command(
            "analyze",
            "The paper's analyses of what a feature representation keeps: perturbations, top-k activations, "
                + "interpolation, random feature vectors."
        )
        {
            Perturb(),
            TopK(),
            Interpolate(),
            RandomVectors(),
            SingleUnits(),
        };
    }

    public Command Command { get; }

    private static Argument<DirectoryInfo[]> Checkpoints() =>
        new("checkpoints") { Description = "Decoder checkpoint folders", Arity = ArgumentArity.OneOrMore };

    private static Option<DirectoryInfo> Test() =>
        new("--test")
        {
            Description = "Folder of test photographs",
            Required = true,
            HelpName = "DIR",
        };

    private static Option<FileInfo> Sheet(string what) =>
        new("--sheet")
        {
            Description = $"PNG to write: {what}",
            Required = true,
            HelpName = "sheet.png",
        };

    private static Option<int> PerPhoto() =>
        new("--per-photo") { Description = "Test crops per photo (as evaluate)", DefaultValueFactory = _ => 10 };

    private (DecoderNetwork Network, DecoderManifest Manifest) Load(ParseResult parse, DirectoryInfo checkpoint) =>
        DecoderCheckpoint.Load(
            CommonOptions.ExistingFolder(checkpoint).FullName,
            CommonOptions.Registry(parse.GetValue(_alexNet)),
            device: TorchDevices.Resolve(parse.GetValue(_device))
        );

    /// <summary>A fixed-encoder decoder (no encoder) or an autoencoder's decoder with its fine-tuned encoder.</summary>
    private (DecoderNetwork Network, DecoderManifest Manifest, IBatchEncoder? Encoder) LoadAny(
        ParseResult parse,
        DirectoryInfo checkpoint
    )
    {
        string dir = CommonOptions.ExistingFolder(checkpoint).FullName;
        if (!DecoderCheckpoint.IsAutoencoder(DecoderManifest.Read(dir)))
        {
            var (n, m) = Load(parse, checkpoint);
            return (n, m, null);
        }
        return AutoencoderCheckpoint.Load(
            dir,
            CommonOptions.Registry(parse.GetValue(_alexNet)),
            TorchDevices.Resolve(parse.GetValue(_device))
        );
    }

    private Command Perturb()
    {
        var checkpoints = Checkpoints();
        var (test, perPhoto) = (Test(), PerPhoto());
        var sheets = new Option<DirectoryInfo>("--sheets")
        {
            Description = "Folder for one sheet per decoder (<version>-perturb.png: input | each perturbation)",
            Required = true,
            HelpName = "DIR",
        };
        var plot = new Option<FileInfo?>("--plot")
        {
            Description =
                "PNG like Figure 7: error per layer (x, in the order first given) for each perturbation, "
                + "fixed-encoder decoders solid, autoencoders dashed",
            HelpName = "plot.png",
        };
        var series = new Option<string[]>("--series")
        {
            Description =
                "Extra lines for the plot, LABEL=v1,v2,… one value per layer (e.g. the optimize verb's errors); "
                + "repeatable",
            HelpName = "LABEL=VALUES",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command(
            "perturb",
            "Normalized error after binarization, dropout and both (§5.4, Figures 7 and 9), for fixed-encoder "
                + "decoders and autoencoders (their own fine-tuned features)."
        )
        {
            checkpoints,
            test,
            perPhoto,
            sheets,
            plot,
            series,
            _device,
            _alexNet,
            _quiet,
        };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var folder = Directory.CreateDirectory(parse.GetValue(sheets)!.FullName);
            var extra = (parse.GetValue(series) ?? [])
                .Select(ParseSeries)
                .Select(e => (e.Label, (IReadOnlyList<double>)e.Values))
                .ToList();
            var results = new List<PerturbationResult>();
            stdout.WriteLine($"| decoder | {string.Join(" | ", Perturbations.All.Select(p => p.Name))} |");
            stdout.WriteLine($"|---|{string.Concat(Perturbations.All.Select(_ => "---:|"))}");
            foreach (var dir in parse.GetValue(checkpoints)!)
            {
                var (network, manifest, encoder) = LoadAny(parse, dir);
                using (network)
                using (encoder)
                {
                    var (errors, sheet) = ConsoleProgress.Run(
                        parse.InvocationConfiguration.Error,
                        parse.GetValue(_quiet),
                        $"{manifest.Version}: perturbations",
                        Perturbations.All.Count,
                        progress =>
                            FeatureAnalyses.Changes(
                                network,
                                manifest,
                                CommonOptions.ExistingFolder(parse.GetValue(test)!).FullName,
                                Perturbations.All,
                                parse.GetValue(perPhoto),
                                encoder: encoder,
                                changesDone: progress
                            )
                    );
                    File.WriteAllBytes(Path.Combine(folder.FullName, $"{manifest.Version}-perturb.png"), sheet);
                    stdout.WriteLine(
                        $"| {manifest.Version} | "
                            + string.Join(" | ", errors.Select(e => e.NormalizedError.ToString("0.000", Inv)))
                            + " |"
                    );
                    results.Add(new PerturbationResult(network.Spec.Representation.Name, encoder is not null, errors));
                }
            }
            if (parse.GetValue(plot) is { } png)
            {
                byte[] figure;
                try
                {
                    figure = PerturbationFigure.Render(results, extra);
                }
                catch (ArgumentException e)
                {
                    throw new UsageException(e.Message);
                }
                File.WriteAllBytes(png.FullName, figure);
            }
            return 0;
        });
        return command;
    }

    private static (string Label, List<double> Values) ParseSeries(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0)
            throw new UsageException($"--series '{text}': expected LABEL=v1,v2,…");
        try
        {
            return (
                text[..eq],
                text[(eq + 1)..].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList()
            );
        }
        catch (FormatException)
        {
            throw new UsageException($"--series '{text}': values must be numbers");
        }
    }

    private Command TopK()
    {
        var checkpoints = Checkpoints();
        var (test, perPhoto, sheet) = (
            Test(),
            PerPhoto(),
            Sheet("input | all | top k | all but top k, for 4 test crops (the first decoder)")
        );
        var k = new Option<int>("--k")
        {
            Description = "How many of the largest activations",
            DefaultValueFactory = _ => 5,
        };
        var command = new Command(
            "topk",
            "Reconstruction from all activations, only the k largest, and all but the k largest (§5.3, Figure 8)."
        )
        {
            checkpoints,
            test,
            perPhoto,
            k,
            sheet,
            _device,
            _alexNet,
            _quiet,
        };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var changes = Perturbations.TopK(parse.GetValue(k));
            stdout.WriteLine($"| decoder | {string.Join(" | ", changes.Select(p => p.Name))} |");
            stdout.WriteLine($"|---|{string.Concat(changes.Select(_ => "---:|"))}");
            bool first = true;
            foreach (var dir in parse.GetValue(checkpoints)!)
            {
                var (network, manifest) = Load(parse, dir);
                using (network)
                {
                    var (errors, png) = ConsoleProgress.Run(
                        parse.InvocationConfiguration.Error,
                        parse.GetValue(_quiet),
                        $"{manifest.Version}: top-k changes",
                        changes.Count,
                        progress =>
                            FeatureAnalyses.Changes(
                                network,
                                manifest,
                                CommonOptions.ExistingFolder(parse.GetValue(test)!).FullName,
                                changes,
                                parse.GetValue(perPhoto),
                                changesDone: progress
                            )
                    );
                    if (first)
                        File.WriteAllBytes(parse.GetValue(sheet)!.FullName, png);
                    first = false;
                    stdout.WriteLine(
                        $"| {manifest.Version} | "
                            + string.Join(" | ", errors.Select(e => e.NormalizedError.ToString("0.000", Inv)))
                            + " |"
                    );
                }
            }
            return 0;
        });
        return command;
    }

    private Command Interpolate()
    {
        var checkpoints = Checkpoints();
        var a = new Option<FileInfo>("--a")
        {
            Description = "First image",
            Required = true,
            HelpName = "image",
        };
        var b = new Option<FileInfo>("--b")
        {
            Description = "Second image",
            Required = true,
            HelpName = "image",
        };
        var steps = new Option<int>("--steps")
        {
            Description = "Points on the line, endpoints included",
            DefaultValueFactory = _ => 6,
        };
        var sheet = Sheet("a row per decoder: a | t = 0 … 1 | b");
        var command = new Command(
            "interpolate",
            "Reconstructions along the line between two images' features (§5.5, Figure 10)."
        )
        {
            checkpoints,
            a,
            b,
            steps,
            sheet,
            _device,
            _alexNet,
        };
        command.SetAction(parse =>
        {
            var loaded = parse.GetValue(checkpoints)!.Select(d => Load(parse, d)).ToList();
            try
            {
                var (png, endpoints) = FeatureAnalyses.Interpolate(
                    loaded,
                    ImageFiles.Load(CommonOptions.ExistingFile(parse.GetValue(a)!).FullName),
                    ImageFiles.Load(CommonOptions.ExistingFile(parse.GetValue(b)!).FullName),
                    parse.GetValue(steps)
                );
                File.WriteAllBytes(parse.GetValue(sheet)!.FullName, png);
                foreach (var (decoder, difference) in endpoints)
                    parse.InvocationConfiguration.Output.WriteLine(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"{decoder}: endpoints reproduce the two reconstructions (max distance "
                                + $"{difference:0.000000})"
                        )
                    );
            }
            finally
            {
                foreach (var (network, _) in loaded)
                    network.Dispose();
            }
            return 0;
        });
        return command;
    }

    // Random training crops over which each unit's largest value is taken (FeatureAnalyses.SingleUnits).
    private const int UnitReferences = 1024;

    private Command SingleUnits()
    {
        var checkpoint = new Argument<DirectoryInfo>("checkpoint")
        {
            Description = "Decoder checkpoint folder of a vector layer (resnet18-pool5, alexnet-fc6 … fc8)",
        };
        var train = new Option<DirectoryInfo>("--train")
        {
            Description = "Folder of training photographs (each unit's largest value over random crops)",
            Required = true,
            HelpName = "DIR",
        };
        var units = new Option<int[]>("--units")
        {
            Description = "Units to activate (default: the most active on average)",
            AllowMultipleArgumentsPerToken = true,
            HelpName = "N",
        };
        var count = new Option<int>("--count")
        {
            Description = "How many units when --units is not given",
            DefaultValueFactory = _ => 8,
        };
        var sheet = Sheet("one image per unit");
        var command = new Command(
            "units",
            "Images decoded from a single active unit of a vector layer (supplementary Figure 17)."
        )
        {
            checkpoint,
            train,
            units,
            count,
            sheet,
            _device,
            _alexNet,
            _quiet,
        };
        command.SetAction(parse =>
        {
            var (network, manifest) = Load(parse, parse.GetValue(checkpoint)!);
            using (network)
            {
                var chosen = parse.GetValue(units) is { Length: > 0 } u ? u : null;
                var (png, values) = ConsoleProgress.Run(
                    parse.InvocationConfiguration.Error,
                    parse.GetValue(_quiet),
                    "reference crops",
                    UnitReferences,
                    progress =>
                        FeatureAnalyses.SingleUnits(
                            network,
                            CommonOptions.ExistingFolder(parse.GetValue(train)!).FullName,
                            chosen,
                            parse.GetValue(count),
                            UnitReferences,
                            cropsDone: progress
                        )
                );
                File.WriteAllBytes(parse.GetValue(sheet)!.FullName, png);
                parse.InvocationConfiguration.Output.WriteLine(
                    $"{manifest.Version}: "
                        + string.Join(
                            ", ",
                            values.Select(v =>
                                string.Create(CultureInfo.InvariantCulture, $"unit {v.Unit} = {v.Value:0.00}")
                            )
                        )
                );
            }
            return 0;
        });
        return command;
    }

    private Command RandomVectors()
    {
        var checkpoint = new Argument<DirectoryInfo>("checkpoint") { Description = "Decoder checkpoint folder" };
        var train = new Option<DirectoryInfo>("--train")
        {
            Description = "Folder of training photographs (the reference features)",
            Required = true,
            HelpName = "DIR",
        };
        var references = new Option<int>("--references")
        {
            Description = "Random training crops whose features give the per-dimension histograms",
            DefaultValueFactory = _ => 1024,
        };
        var samples = new Option<int>("--samples") { Description = "Images per row", DefaultValueFactory = _ => 6 };
        var alpha = new Option<double>("--alpha")
        {
            Description = "Contrast factor the samples are multiplied by",
            DefaultValueFactory = _ => 2.0,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of crops and samples",
            DefaultValueFactory = _ => 1,
        };
        var sheet = Sheet("row 1 from per-dimension histograms, row 2 from one truncated Gaussian");
        var command = new Command("random", "Images decoded from random feature vectors (§5.5, Figures 11 and 21).")
        {
            checkpoint,
            train,
            references,
            samples,
            alpha,
            seed,
            sheet,
            _device,
            _alexNet,
            _quiet,
        };
        command.SetAction(parse =>
        {
            var (network, manifest) = Load(parse, parse.GetValue(checkpoint)!);
            using (network)
            {
                var (png, referenceSparsity, sampleSparsity) = ConsoleProgress.Run(
                    parse.InvocationConfiguration.Error,
                    parse.GetValue(_quiet),
                    "reference crops",
                    parse.GetValue(references),
                    progress =>
                        FeatureAnalyses.Random(
                            network,
                            CommonOptions.ExistingFolder(parse.GetValue(train)!).FullName,
                            parse.GetValue(references),
                            parse.GetValue(samples),
                            parse.GetValue(alpha),
                            parse.GetValue(seed),
                            progress
                        )
                );
                File.WriteAllBytes(parse.GetValue(sheet)!.FullName, png);
                parse.InvocationConfiguration.Output.WriteLine(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{manifest.Version}: {parse.GetValue(references)} reference crops, sparsity "
                            + $"{referenceSparsity:0.000}; histogram samples {sampleSparsity:0.000}"
                    )
                );
            }
            return 0;
        });
        return command;
    }
}
