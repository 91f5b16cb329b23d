using System.CommandLine;
using System.Globalization;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Features;
using FeatureInversion.Models;
using FeatureInversion.Training;
using FeatureInversion.Training.Data;
using Spectre.Console;

namespace FeatureInversion.Trainer.Verbs;

/// <summary>
/// The options of a training run, shared by <c>train</c> and the scheduled <c>retrain</c> job (which takes its
/// photos from the training container instead of folders): added to a command once, bound into
/// <see cref="TrainingJobOptions"/>, and run with the same progress lines.
/// </summary>
internal sealed class TrainingOptionSet
{
    public Argument<string> Representation { get; } =
        new("representation")
        {
            Description =
                "hog | lbp | sift-grid | resnet18-{conv1,pool1,res2,res3,res4,res5,pool5} | alexnet-… (with --alexnet)",
        };
    public Option<int> Size { get; } =
        new("--size")
        {
            Description =
                "Decoder image size: 64, 128 or 256 (AlexNet conv layers: their map size times a power of two, e.g. "
                + "216 for conv1, 192 for conv5; see architecture)",
            DefaultValueFactory = _ => 64,
        };
    public Option<double> Width { get; } =
        new("--width")
        {
            Description = "Channel width multiplier (1 = the paper's networks)",
            DefaultValueFactory = _ => 0.25,
        };
    public Option<int> Steps { get; } =
        new("--steps") { Description = "Optimisation steps", DefaultValueFactory = _ => 2000 };
    public Option<int> Batch { get; } = new("--batch") { Description = "Batch size", DefaultValueFactory = _ => 64 };
    public Option<double> LearningRate { get; } =
        new("--lr")
        {
            Description = "Adam learning rate (halved from 60% of the run, then every further 10%)",
            DefaultValueFactory = _ => 1e-3,
        };
    public Option<int> LoaderThreads { get; } =
        new("--loader-threads")
        {
            Description =
                "Threads that crop photos and compute features while the network trains (0: cores - 1, at least 1)",
            DefaultValueFactory = _ => 0,
            HelpName = "N",
        };
    public Option<long> FeatureCache { get; } =
        new("--feature-cache")
        {
            Description =
                "Read features from an on-disk cache of N crops (kept in --cache) instead of computing them every "
                + "step: for sift-grid at 128 px and up, where extraction is slower than a step (0: fresh crops "
                + "every step)",
            DefaultValueFactory = _ => 0,
            HelpName = "N",
        };
    public Option<double> FeatureReuse { get; } =
        new("--feature-reuse")
        {
            Description = "With --feature-cache: how often each cached crop is used, on average, while the cache grows",
            DefaultValueFactory = _ => 4,
            HelpName = "R",
        };
    public Option<int> Seed { get; } =
        new("--seed") { Description = "Seed of crops, initialisation and batches", DefaultValueFactory = _ => 1 };
    public Option<DirectoryInfo?> Cache { get; } =
        new("--cache") { Description = "Folder that keeps the decoded photo pools between runs", HelpName = "DIR" };
    public Option<DirectoryInfo?> Resume { get; } =
        new("--resume") { Description = "Continue from this checkpoint's weights and step", HelpName = "CKPTDIR" };
    public Option<double> ColorJitter { get; } =
        new("--color-jitter")
        {
            Description = "Fraction of crops whose chroma is randomly rotated and scaled (luminance kept)",
            DefaultValueFactory = _ => 0,
            HelpName = "P",
        };
    public Option<double> Rotate { get; } =
        new("--rotate")
        {
            Description = "Turn each crop by a random angle within ± this many degrees (0: none; at most 30)",
            DefaultValueFactory = _ => 0,
            HelpName = "DEG",
        };
    public Option<double> Photometric { get; } =
        new("--photometric")
        {
            Description =
                "Fraction of crops whose contrast (x0.7-1.3) and brightness (±0.1) change (the features see " + "it)",
            DefaultValueFactory = _ => 0,
            HelpName = "P",
        };
    public Option<int> EvaluateEvery { get; } =
        new("--eval-every")
        {
            Description = "Test error every this many steps (0: only at the end)",
            DefaultValueFactory = _ => 500,
        };
    public Option<int> CheckpointEvery { get; } =
        new("--checkpoint-every")
        {
            Description = "Save a checkpoint every this many steps, so a stopped run can --resume (0: only at the end)",
            DefaultValueFactory = _ => 500,
            HelpName = "N",
        };
    public Option<int> ReportEvery { get; } =
        new("--report-every")
        {
            Description =
                "A progress line every this many steps (1: every step's loss, as a device-parity check " + "compares)",
            DefaultValueFactory = _ => 20,
            HelpName = "N",
        };
    public Option<double> MaxSeconds { get; } =
        new("--max-seconds")
        {
            Description =
                "Stop training after this many seconds and finish as after the last step (evaluated, saved, "
                + "resumable; 0: no limit)",
            DefaultValueFactory = _ => 0,
            HelpName = "S",
        };
    public Option<bool> NoTf32 { get; } =
        new("--no-tf32")
        {
            Description =
                "On CUDA, keep float32 convolutions in float32 (libtorch lets cuDNN use TF32 by default); "
                + "for "
                + "a parity check against the CPU",
        };
    public Option<int> SaveHalf { get; } =
        new("--save-half")
        {
            Description =
                "Save checkpoints in half precision, in files of at most this many MiB (what travels back from a "
                + "lent GPU machine; --resume and evaluate read them; 0: full precision in one file)",
            DefaultValueFactory = _ => 0,
            HelpName = "MIB",
        };
    public Option<bool> Autoencoder { get; } =
        new("--autoencoder")
        {
            Description = "Train jointly with the unfrozen CNN encoder (paper §5.2; resnet18-… only)",
        };
    public Option<DeviceChoice> Device { get; } = CommonOptions.Device();
    public Option<FileInfo?> AlexNet { get; } = CommonOptions.AlexNet();
    public Option<bool> Quiet { get; } = ConsoleProgress.QuietOption();

    public void AddTo(Command command)
    {
        command.Arguments.Add(Representation);
        foreach (
            var option in new Option[]
            {
                Size,
                Width,
                Steps,
                Batch,
                LearningRate,
                LoaderThreads,
                FeatureCache,
                FeatureReuse,
                Seed,
                Cache,
                Resume,
                ColorJitter,
                Rotate,
                Photometric,
                EvaluateEvery,
                CheckpointEvery,
                ReportEvery,
                MaxSeconds,
                NoTf32,
                SaveHalf,
                Autoencoder,
                Device,
                AlexNet,
                Quiet,
            }
        )
            command.Options.Add(option);
    }

    /// <summary>Trains with the parsed options on the given folders and prints progress (stderr) and the result
    /// (stdout).</summary>
    public DecoderManifest Run(ParseResult parse, string trainDirectory, string testDirectory, string outputDirectory)
    {
        var registry = CommonOptions.Registry(parse.GetValue(AlexNet));
        var options = new TrainingJobOptions
        {
            Representation = CommonOptions.Resolve(registry, parse.GetValue(Representation)!),
            TrainDirectory = trainDirectory,
            TestDirectory = testDirectory,
            OutputDirectory = outputDirectory,
            ImageSize = parse.GetValue(Size),
            Width = parse.GetValue(Width),
            LoaderThreads = parse.GetValue(LoaderThreads),
            FeatureCacheSamples = parse.GetValue(FeatureCache),
            FeatureReuse = parse.GetValue(FeatureReuse),
            CacheDirectory = parse.GetValue(Cache)?.FullName,
            ResumeFrom = parse.GetValue(Resume)?.FullName,
            HalfPartBytes = (long)parse.GetValue(SaveHalf) << 20,
            Augmentation = new CropAugmentation(
                parse.GetValue(ColorJitter),
                parse.GetValue(Rotate),
                parse.GetValue(Photometric)
            ),
            Autoencoder = parse.GetValue(Autoencoder),
            Training = new TrainingOptions
            {
                Steps = parse.GetValue(Steps),
                BatchSize = parse.GetValue(Batch),
                LearningRate = parse.GetValue(LearningRate),
                Seed = parse.GetValue(Seed),
                EvaluateEvery = parse.GetValue(EvaluateEvery),
                CheckpointEvery = parse.GetValue(CheckpointEvery),
                ReportEvery = parse.GetValue(ReportEvery),
                MaxSeconds = parse.GetValue(MaxSeconds),
                AllowTf32 = !parse.GetValue(NoTf32),
                Device = parse.GetValue(Device),
            },
        };
        if (parse.GetValue(SaveHalf) is < 0 or > 4096)
            throw new UsageException("--save-half takes a part size from 1 to 4096 MiB (0: full precision)");
        if (options.Augmentation.Problem() is { } augmentation)
            throw new UsageException($"--color-jitter, --rotate, --photometric: {augmentation}");
        var sizes = DecoderArchitecture.SizesFor(options.Representation);
        if (!sizes.Contains(options.ImageSize))
            throw new UsageException(
                $"--size must be one of {string.Join(", ", sizes)} for {options.Representation.Name}"
            );
        var stdout = parse.InvocationConfiguration.Output;
        var stderr = parse.InvocationConfiguration.Error;
        var manifest =
            parse.GetValue(Quiet) ? TrainingJob.Run(options, registry, progress: null, log: TextWriter.Null)
            : ConsoleProgress.IsTerminal(stderr) ? RunWithBar(options, registry)
            : RunWithLines(options, registry, stdout, stderr);
        var ev = manifest.Evaluation!;
        stdout.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{manifest.Version}: normalized error {ev.NormalizedError:F4} (mean-image baseline "
                    + $"{ev.MeanImageBaselineError:F4}), colour gain {ev.ColorGain:+0.0000;-0.0000} "
                    + $"(true colour {ev.TrueChromaGain:+0.0000;-0.0000}), PSNR "
                    + $"{ev.Psnr:F2} dB, SSIM {ev.Ssim:F4}, {manifest.Training!.Seconds:F0} s -> {outputDirectory}"
            )
        );
        return manifest;
    }

    private static string Step(TrainingProgress p) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"step {p.Step}/{p.Steps}  loss {p.Loss:F5}  {p.ImagesPerSecond:F0} img/s  lr {p.LearningRate:G3}  "
                + $"this step {p.StepLoss:F6}"
                + $"{(p.TestError is { } e ? $"  test error {e:F4}" : "")}"
        );

    /// <summary>Not a terminal (CI, logs): a line every report (every 20 steps) with the time left.</summary>
    private static DecoderManifest RunWithLines(
        TrainingJobOptions options,
        RepresentationRegistry registry,
        TextWriter stdout,
        TextWriter stderr
    )
    {
        var eta = new Eta();
        var progress = new LineProgress(p => stderr.WriteLine(Step(p) + eta.After(p.Step, p.Steps)));
        return TrainingJob.Run(options, registry, progress, stdout);
    }

    /// <summary>A terminal: a live bar (steps, loss and rate of the last report, time left, elapsed); the job's own
    /// lines and each test evaluation's full report are printed above it.</summary>
    private static DecoderManifest RunWithBar(TrainingJobOptions options, RepresentationRegistry registry)
    {
        var console = ConsoleProgress.Terminal();
        DecoderManifest manifest = null!;
        console
            .Progress()
            .AutoClear(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn { Width = 24 },
                new PercentageColumn(),
                new RemainingTimeColumn(),
                new ElapsedTimeColumn()
            )
            .Start(context =>
            {
                var task = context.AddTask(
                    $"{options.Representation.Name}: starting",
                    maxValue: options.Training.Steps
                );
                var progress = new LineProgress(p =>
                {
                    task.Value = p.Step;
                    task.Description = Markup.Escape(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"{p.Step}/{p.Steps}  loss {p.Loss:F4}  {p.ImagesPerSecond:F0} img/s"
                        )
                    );
                    if (p.TestError is not null)
                        console.WriteLine(Step(p));
                });
                manifest = TrainingJob.Run(options, registry, progress, new ConsoleProgress.AboveTheBar(console));
                task.Value = options.Training.Steps;
            });
        return manifest;
    }

    /// <summary>Time left, from the mean time per step since the first report (test evaluations included, as they
    /// recur).</summary>
    private sealed class Eta
    {
        private readonly System.Diagnostics.Stopwatch _clock = new();
        private int _first = -1;

        public string After(int step, int steps)
        {
            if (_first < 0)
            {
                _first = step;
                _clock.Start();
                return "";
            }
            if (step <= _first || step >= steps)
                return "";
            var left = TimeSpan.FromSeconds(_clock.Elapsed.TotalSeconds / (step - _first) * (steps - step));
            return left.TotalHours >= 1 ? $"  ETA {(int)left.TotalHours}h {left.Minutes:00}m"
                : left.TotalMinutes >= 1 ? $"  ETA {left.Minutes}m {left.Seconds:00}s"
                : $"  ETA {left.Seconds}s";
        }
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and reorder
    /// lines).</summary>
    private sealed class LineProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
