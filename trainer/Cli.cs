using FeatureInversion.Features;
using FeatureInversion.Imaging;

namespace FeatureInversion.Trainer;

/// <summary>Verb dispatch for the trainer executable. Exit codes: 0 success, 1 failure on bad input, 2 usage error.</summary>
public static partial class Cli
{
    public const string Usage = """
        usage: FeatureInversion.Trainer <verb> [arguments]

        verbs:
          features <representation> <image> -o <out.npy>
              Writes the features of an image as a float32 .npy array.
              representation: hog | lbp | sift-grid (channels x rows x cols), or sift (N x 132 frames:
              x, y, scale, angle, 128-d descriptor), all computed on the rgb2gray image as VLFeat 0.9.21 does.
          train <representation> --train DIR --test DIR -o OUTDIR [--size 64] [--width 0.25] [--steps 2000]
                [--batch 64] [--lr 0.001] [--samples 20000] [--seed 1] [--cache DIR] [--resume CKPTDIR] [--color-jitter P] [--autoencoder]
              Trains a decoder (hog | lbp | sift-grid | resnet18-{conv1,pool1,res2,res3,res4,res5,pool5}) on seeded crops of the photos in the train folder, evaluates
              it on crops of the test folder and writes weights.dat + manifest.json to OUTDIR.
          evaluate <checkpoint> --test DIR [--per-photo 10] [--eval-size N] [-o report.json] [--sheet sheet.png]
              Average normalized reconstruction error (paper's metric), PSNR and SSIM on crops of the test photos;
              with --eval-size the decoder output is upsampled bilinearly to that size before comparing.
          reconstruct <checkpoint> <image | features.npy> -o out.png
              Reconstructs the centred square of a photo (or stored features of the decoder's input shape).
          layer-curve <checkpoints or folders>... -o plot.png
              Normalized error per ResNet18 layer (fixed encoder and autoencoder decoders), as a PNG plot like the
              paper's Figure 7 and a Markdown table.
          pipeline <folder> [--out DIR] [--models DIR] [--batch NAME] [--azurite [CONNECTION]]
              Runs the whole pipeline in this process over every file of the folder (uploads, ingestion as the blob
              trigger does it, queued jobs, decoder worker, galleries): on local folders with an in-process queue
              (default, under --out, default pipeline-out), or on Azurite blob + queue storage with --azurite.
              Publishes the decoders in --models (default models) first.
          worker
              The decoder worker service (container entry point): consumes jobs from the configured queue until
              stopped. Configuration: environment variables Pipeline__* (see docs/pipeline.md).
          publish <checkpoint>...
              Publishes decoder checkpoints to the configured models container; workers use the newest.
          retrain <representation> [train options]
              The scheduled training job: downloads train/ and test/ from the training container, trains,
              evaluates and publishes the new decoder version.
          help
              Shows this text.
        """;

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "help" or "-h" or "--help")
        {
            stdout.WriteLine(Usage);
            return Task.FromResult(args.Length == 0 ? 2 : 0);
        }
        try
        {
            if (args[0] is "pipeline" or "worker" or "publish" or "retrain") return PipelineVerbAsync(args, stdout, stderr);
            return Task.FromResult(args[0] switch
            {
                "features" => Features(args[1..], stdout),
                "train" => Train(args[1..], stdout, stderr),
                "evaluate" => Evaluate(args[1..], stdout),
                "reconstruct" => Reconstruct(args[1..], stdout),
                "layer-curve" => LayerCurve(args[1..], stdout),
                _ => throw new UsageException($"unknown verb '{args[0]}'"),
            });
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            stderr.WriteLine(Usage);
            return Task.FromResult(2);
        }
        catch (Exception e) when (e is InvalidImageException or ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return Task.FromResult(1);
        }
    }

    private static int Features(string[] args, TextWriter stdout)
    {
        var (positional, options) = Parse(args, "-o", "--output");
        if (positional.Count != 2) throw new UsageException("features needs <representation> <image>");
        string representation = positional[0], image = positional[1];
        if (!FeatureExport.Names.Contains(representation, StringComparer.OrdinalIgnoreCase))
            throw new UsageException($"unknown representation '{representation}' (known: {string.Join(", ", FeatureExport.Names)})");
        string output = options.GetValueOrDefault("-o") ?? options.GetValueOrDefault("--output")
            ?? throw new UsageException("features needs -o <out.npy>");
        if (!File.Exists(image)) throw new IOException($"{image}: no such file");

        var shape = FeatureExport.Write(representation, image, output);
        stdout.WriteLine($"{representation} {Path.GetFileName(image)} -> {output} float32 ({string.Join(", ", shape)})");
        return 0;
    }

    private static int Train(string[] args, TextWriter stdout, TextWriter stderr) => Train(args, stdout, stderr, out _);

    private static int Train(string[] args, TextWriter stdout, TextWriter stderr, out string outputDirectory)
    {
        bool autoencoder = args.Contains("--autoencoder");
        var (positional, o) = Parse(args.Where(a => a != "--autoencoder").ToArray(), "--train", "--test", "-o", "--size", "--width", "--steps", "--batch", "--lr", "--samples", "--seed", "--cache", "--resume", "--eval-every", "--color-jitter");
        if (positional.Count != 1) throw new UsageException("train needs <representation>");
        string Need(string key) => o.GetValueOrDefault(key) ?? throw new UsageException($"train needs {key}");
        var options = new FeatureInversion.Training.TrainingJobOptions
        {
            Representation = positional[0],
            TrainDirectory = Need("--train"),
            TestDirectory = Need("--test"),
            OutputDirectory = Need("-o"),
            ImageSize = Int(o, "--size", 64),
            Width = Double(o, "--width", 0.25),
            Samples = Int(o, "--samples", 20000),
            CacheDirectory = o.GetValueOrDefault("--cache"),
            ResumeFrom = o.GetValueOrDefault("--resume"),
            ColorJitter = Double(o, "--color-jitter", 0),
            Autoencoder = autoencoder,
            Training = new FeatureInversion.Training.TrainingOptions
            {
                Steps = Int(o, "--steps", 2000),
                BatchSize = Int(o, "--batch", 64),
                LearningRate = Double(o, "--lr", 1e-3),
                Seed = Int(o, "--seed", 1),
                EvaluateEvery = Int(o, "--eval-every", 500),
            },
        };
        var progress = new LineProgress(p => stderr.WriteLine(
            string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"step {p.Step}/{p.Steps}  loss {p.Loss:F5}  {p.ImagesPerSecond:F0} img/s  lr {p.LearningRate:G3}{(p.TestError is { } e ? $"  test error {e:F4}" : "")}")));
        outputDirectory = options.OutputDirectory;
        var manifest = FeatureInversion.Training.TrainingJob.Run(options, progress, stdout);
        var ev = manifest.Evaluation!;
        stdout.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{manifest.Version}: normalized error {ev.NormalizedError:F4} (mean-image baseline {ev.MeanImageBaselineError:F4}), PSNR {ev.Psnr:F2} dB, SSIM {ev.Ssim:F4}, {manifest.Training!.Seconds:F0} s -> {options.OutputDirectory}"));
        return 0;
    }

    private static int Evaluate(string[] args, TextWriter stdout)
    {
        var (positional, o) = Parse(args, "--test", "--per-photo", "--eval-size", "-o", "--sheet");
        if (positional.Count != 1) throw new UsageException("evaluate needs <checkpoint>");
        string test = o.GetValueOrDefault("--test") ?? throw new UsageException("evaluate needs --test DIR");
        var manifest = FeatureInversion.Decoders.DecoderCheckpoint.ReadManifest(positional[0]);
        var (network, _) = FeatureInversion.Decoders.DecoderCheckpoint.Load(positional[0], manifest.Representation);
        using (network)
        {
            int? evalSize = o.ContainsKey("--eval-size") ? Int(o, "--eval-size", 0) : null;
            var (report, targets, reconstructions, features) = FeatureInversion.Analysis.DecoderEvaluation.Run(network, manifest, test, Int(o, "--per-photo", 10), evalSize);
            stdout.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{report.Decoder}: {report.TestImages} test images at {report.EvaluationSize}px: normalized error {report.NormalizedError:F4}, PSNR {report.Psnr:F2} dB, SSIM {report.Ssim:F4}"));
            if (o.TryGetValue("-o", out var json))
            {
                File.WriteAllText(json, System.Text.Json.JsonSerializer.Serialize(report, new System.Text.Json.JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase }));
                stdout.WriteLine($"report -> {json}");
            }
            if (o.TryGetValue("--sheet", out var sheet))
            {
                int n = Math.Min(8, targets.Count);
                var step = Math.Max(1, targets.Count / n);
                var pick = Enumerable.Range(0, n).Select(i => i * step).ToList();
                FeatureInversion.Imaging.ImageFiles.SavePng(FeatureInversion.Analysis.ContactSheet.Build(
                    pick.Select(i => targets[i]).ToList(), pick.Select(i => features[i]).ToList(), pick.Select(i => reconstructions[i]).ToList()), sheet);
                stdout.WriteLine($"sheet (original | feature energy | reconstruction) -> {sheet}");
            }
        }
        return 0;
    }

    private static int Reconstruct(string[] args, TextWriter stdout)
    {
        var (positional, o) = Parse(args, "-o");
        if (positional.Count != 2) throw new UsageException("reconstruct needs <checkpoint> <image | features.npy>");
        string output = o.GetValueOrDefault("-o") ?? throw new UsageException("reconstruct needs -o out.png");
        if (!File.Exists(positional[1])) throw new IOException($"{positional[1]}: no such file");
        var manifest = FeatureInversion.Decoders.DecoderCheckpoint.ReadManifest(positional[0]);
        var (network, _) = FeatureInversion.Decoders.DecoderCheckpoint.Load(positional[0], manifest.Representation);
        using (network)
        {
            var image = positional[1].EndsWith(".npy", StringComparison.OrdinalIgnoreCase)
                ? FeatureInversion.Decoders.Reconstruction.FromNpy(network, positional[1])
                : FeatureInversion.Decoders.Reconstruction.FromPhoto(network, FeatureInversion.Imaging.ImageFiles.Load(positional[1])).Reconstruction;
            FeatureInversion.Imaging.ImageFiles.SavePng(image, output);
        }
        stdout.WriteLine($"{manifest.Version}: {Path.GetFileName(positional[1])} -> {output}");
        return 0;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class LineProgress(Action<FeatureInversion.Training.TrainingProgress> report) : IProgress<FeatureInversion.Training.TrainingProgress>
    {
        public void Report(FeatureInversion.Training.TrainingProgress value) => report(value);
    }

    private static int Int(Dictionary<string, string> o, string key, int fallback) =>
        o.TryGetValue(key, out var v) ? int.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : throw new UsageException($"{key} takes an integer") : fallback;

    private static double Double(Dictionary<string, string> o, string key, double fallback) =>
        o.TryGetValue(key, out var v) ? double.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : throw new UsageException($"{key} takes a number") : fallback;

    /// <summary>Splits arguments into positionals and the values of the given options.</summary>
    private static (List<string> Positional, Dictionary<string, string> Options) Parse(string[] args, params string[] valueOptions)
    {
        var positional = new List<string>();
        var options = new Dictionary<string, string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (valueOptions.Contains(args[i]))
            {
                if (i + 1 >= args.Length) throw new UsageException($"{args[i]} needs a value");
                options[args[i]] = args[++i];
            }
            else if (args[i].StartsWith('-') && args[i].Length > 1)
            {
                throw new UsageException($"unknown option '{args[i]}'");
            }
            else
            {
                positional.Add(args[i]);
            }
        }
        return (positional, options);
    }

    private sealed class UsageException(string message) : Exception(message);
}
