using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FeatureInversion.Analysis;
using FeatureInversion.Analysis.Optimization;
using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Imaging;

namespace FeatureInversion.Trainer.Verbs;

/// <summary><c>optimize</c>: optimization-based inversion (Mahendran &amp; Vedaldi 2015) of test crops' features, side
/// by side with a trained decoder and the mean image on the same crops (the paper's Table 2).</summary>
internal sealed class OptimizeVerb : IVerb
{
    private readonly Argument<string> _representation = new("representation")
    {
        Description = "hog, or a CNN layer (resnet18-…, alexnet-… with --alexnet)",
    };
    private readonly Option<DirectoryInfo> _test = new("--test")
    {
        Description = "Folder of test photographs",
        Required = true,
        HelpName = "DIR",
    };
    private readonly Option<int> _size = new("--size") { Description = "Image size", DefaultValueFactory = _ => 64 };
    private readonly Option<int> _perPhoto = new("--per-photo")
    {
        Description = "Test crops per photo (1: the centred square)",
        DefaultValueFactory = _ => 1,
    };
    private readonly Option<int> _iterations = new("--iterations")
    {
        Description = "Gradient steps",
        DefaultValueFactory = _ => 300,
    };
    private readonly Option<double> _lr = new("--lr")
    {
        Description = "Step size (momentum 0.9; ÷10 at 60 % and 85 %)",
        DefaultValueFactory = _ => 3.0,
    };
    private readonly Option<double> _lambdaTv = new("--lambda-tv")
    {
        Description = "Weight of the normalised total variation (β = 2)",
        DefaultValueFactory = _ => 0.1,
    };
    private readonly Option<double> _lambdaAlpha = new("--lambda-alpha")
    {
        Description = "Weight of the normalised α-norm (α = 6)",
        DefaultValueFactory = _ => 1.0,
    };
    private readonly Option<DirectoryInfo?> _decoder = new("--decoder")
    {
        Description = "A decoder checkpoint of the same representation and size to compare on the same crops",
        HelpName = "CKPTDIR",
    };
    private readonly Option<FileInfo?> _sheet = new("--sheet")
    {
        Description = "PNG: input | optimization | decoder (4 crops)",
        HelpName = "sheet.png",
    };
    private readonly Option<bool> _quiet = ConsoleProgress.QuietOption();
    private readonly Option<HogBinning> _hogBinning = new("--hog-binning")
    {
        Description =
            "HOG only: how orientation bins pass gradients (StraightThrough: exact features forward, softmax gradient "
            + "back; Soft; Exact)",
        DefaultValueFactory = _ => HogBinning.StraightThrough,
    };
    private readonly Option<double> _hogTemperature = new("--hog-temperature")
    {
        Description = "HOG only: softmax temperature of the soft orientation binning",
        DefaultValueFactory = _ => DifferentiableHog.DefaultTemperature,
    };
    private readonly Option<DeviceChoice> _device = CommonOptions.Device();
    private readonly Option<FileInfo?> _alexNet = CommonOptions.AlexNet();

    public OptimizeVerb()
    {
        Command = new Command(
            "optimize",
            "Optimization-based inversion of test crops' features (the paper's baseline [20]), with a decoder and the "
                + "mean image on the same crops."
        )
        {
            _representation,
            _test,
            _size,
            _perPhoto,
            _iterations,
            _lr,
            _lambdaTv,
            _lambdaAlpha,
            _decoder,
            _sheet,
            _hogBinning,
            _hogTemperature,
            _device,
            _alexNet,
            _quiet,
        };
        Command.SetAction(Run);
    }

    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var registry = CommonOptions.Registry(parse.GetValue(_alexNet));
        var representation = CommonOptions.Resolve(registry, parse.GetValue(_representation)!);
        var device = TorchDevices.Resolve(parse.GetValue(_device));
        int size = parse.GetValue(_size);
        var (targets, _, features) = DecoderEvaluation.TestSet(
            representation,
            CommonOptions.ExistingFolder(parse.GetValue(_test)!).FullName,
            size,
            parse.GetValue(_perPhoto)
        );
        var planes = targets.Select(t => t.Planes).ToList();
        double n = ReconstructionMetrics.MeanPairwiseDistance(planes);

        var settings = new OptimizationSettings
        {
            Iterations = parse.GetValue(_iterations),
            LearningRate = parse.GetValue(_lr),
            LambdaTv = parse.GetValue(_lambdaTv),
            LambdaAlpha = parse.GetValue(_lambdaAlpha),
        };
        if (parse.GetValue(_hogTemperature) <= 0)
            throw new UsageException("--hog-temperature must be positive");
        using var encoder = OptimizationInversion.EncoderFor(
            representation,
            device,
            parse.GetValue(_hogTemperature),
            parse.GetValue(_hogBinning)
        );
        if (encoder is DifferentiableHog hog)
        {
            var (r, worst) = hog.Agreement(targets, features);
            stdout.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"differentiable HOG ({hog.Binning}, τ {hog.Temperature}) on these crops: soft binning r = "
                        + $"{r:0.0000} with the exact features; forward max difference {worst:0.0e0}"
                )
            );
        }
        var result = ConsoleProgress.Run(
            parse.InvocationConfiguration.Error,
            parse.GetValue(_quiet),
            $"optimizing {targets.Count} crops",
            settings.Iterations,
            progress =>
                OptimizationInversion.Invert(encoder.EncodeWithGradient, features, size, settings, device, progress)
        );
        double optimized = ReconstructionMetrics.NormalizedError(planes, result.Images.Select(i => i.Planes).ToList());
        stdout.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{representation.Name}: {targets.Count} test crops at {size}px; optimization ({settings.Iterations} "
                    + $"steps, lr {settings.LearningRate}, λ_TV {settings.LambdaTv}, λ_α {settings.LambdaAlpha}): "
                    + $"error {optimized:0.000}, feature loss {result.InitialFeatureLoss:0.000} -> "
                    + $"{result.FinalFeatureLoss:0.000}, {result.Seconds / targets.Count:0.00} s per image"
            )
        );

        // No gray image can do better than the crops' own grayscale: the floor for optimization here.
        double grayFloor =
            planes.Average(p => ReconstructionMetrics.Distance(p, ReconstructionMetrics.GrayAsRgb(p))) / n;
        stdout.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"the crops' own grayscale: error {grayFloor:0.000} (the floor for any gray reconstruction)"
            )
        );

        List<ColorImage>? decoded = null;
        if (parse.GetValue(_decoder) is { } dir)
        {
            var (network, manifest) = DecoderCheckpoint.Load(
                CommonOptions.ExistingFolder(dir).FullName,
                registry,
                representation.Name,
                device
            );
            using (network)
            {
                if (network.Spec.ImageSize != size)
                    throw new UsageException(
                        $"decoder {manifest.Version} is for {network.Spec.ImageSize}px, not {size}px"
                    );
                var clock = Stopwatch.StartNew();
                decoded = DecoderInference.Decode(network, features);
                double seconds = clock.Elapsed.TotalSeconds;
                double error = ReconstructionMetrics.NormalizedError(planes, decoded.Select(d => d.Planes).ToList());
                stdout.WriteLine(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"decoder {manifest.Version}: error {error:0.000}, {seconds / targets.Count * 1000:0.0} ms "
                            + $"per image"
                    )
                );
                if (DecoderCheckpoint.TryLoadMeanImage(dir.FullName, size) is { } mean)
                    stdout.WriteLine(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"mean training image: error "
                                + $"{planes.Average(p => ReconstructionMetrics.Distance(p, mean)) / n:0.000}"
                        )
                    );
            }
        }
        if (parse.GetValue(_sheet) is { } sheet)
        {
            int rows = Math.Min(4, targets.Count);
            var picks = Enumerable.Range(0, rows).Select(i => i * targets.Count / rows).ToList();
            var grid = picks
                .Select(i =>
                    (IReadOnlyList<ColorImage>)(
                        decoded is null ? [targets[i], result.Images[i]] : [targets[i], result.Images[i], decoded[i]]
                    )
                )
                .ToList();
            File.WriteAllBytes(
                sheet.FullName,
                ContactSheet.RenderGrid(
                    decoded is null ? ["input", "optimization"] : ["input", "optimization", "decoder"],
                    grid
                )
            );
        }
        return 0;
    }
}
