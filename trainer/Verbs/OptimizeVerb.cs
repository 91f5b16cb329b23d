using System.CommandLine;
using System.Globalization;
using FeatureInversion.Analysis;
using FeatureInversion.Analysis.Optimization;
using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Models;

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
        if (parse.GetValue(_hogTemperature) <= 0)
            throw new UsageException("--hog-temperature must be positive");
        var settings = new OptimizationSettings
        {
            Iterations = parse.GetValue(_iterations),
            LearningRate = parse.GetValue(_lr),
            LambdaTv = parse.GetValue(_lambdaTv),
            LambdaAlpha = parse.GetValue(_lambdaAlpha),
        };
        string? decoderDir = parse.GetValue(_decoder) is { } dir ? CommonOptions.ExistingFolder(dir).FullName : null;
        var (network, manifest) = decoderDir is null
            ? (null, null)
            : DecoderCheckpoint.Load(decoderDir, registry, representation.Name, device);
        using (network)
        {
            var request = new OptimizationComparisonRequest(
                representation,
                CommonOptions.ExistingFolder(parse.GetValue(_test)!).FullName,
                size,
                parse.GetValue(_perPhoto),
                settings,
                device,
                parse.GetValue(_hogTemperature),
                parse.GetValue(_hogBinning),
                network,
                manifest,
                decoderDir
            );
            if (OptimizationComparison.Problem(request) is { } problem)
                throw new UsageException(problem);
            var crops = OptimizationComparison.Crops(request);
            var result = ConsoleProgress.Run(
                parse.InvocationConfiguration.Error,
                parse.GetValue(_quiet),
                $"optimizing {crops.Targets.Count} crops",
                settings.Iterations,
                progress => OptimizationComparison.Run(request, crops, progress)
            );
            Print(stdout, request, manifest, result);
            if (parse.GetValue(_sheet) is { } sheet)
                File.WriteAllBytes(sheet.FullName, result.Sheet());
        }
        return 0;
    }

    private static void Print(
        TextWriter stdout,
        OptimizationComparisonRequest request,
        DecoderManifest? manifest,
        OptimizationComparisonResult result
    )
    {
        var (settings, inv) = (request.Settings, CultureInfo.InvariantCulture);
        if (result.HogAgreement is var (r, worst))
            stdout.WriteLine(
                string.Create(
                    inv,
                    $"differentiable HOG ({request.HogBinning}, τ {request.HogTemperature}) on these crops: soft "
                        + $"binning r = {r:0.0000} with the exact features; forward max difference {worst:0.0e0}"
                )
            );
        var o = result.Optimization;
        stdout.WriteLine(
            string.Create(
                inv,
                $"{request.Representation.Name}: {result.Crops} test crops at {request.Size}px; optimization "
                    + $"({settings.Iterations} steps, lr {settings.LearningRate}, λ_TV {settings.LambdaTv}, "
                    + $"λ_α {settings.LambdaAlpha}): error {result.OptimizationError:0.000}, feature loss "
                    + $"{o.InitialFeatureLoss:0.000} -> {o.FinalFeatureLoss:0.000}, {o.Seconds / result.Crops:0.00} s "
                    + $"per image"
            )
        );
        stdout.WriteLine(
            string.Create(
                inv,
                $"the crops' own grayscale: error {result.GrayFloor:0.000} (the floor for any gray reconstruction)"
            )
        );
        if (result.DecoderError is { } error && result.DecoderSeconds is { } seconds)
            stdout.WriteLine(
                string.Create(
                    inv,
                    $"decoder {manifest?.Version}: error {error:0.000}, {seconds / result.Crops * 1000:0.0} ms "
                        + $"per image"
                )
            );
        if (result.MeanImageError is { } meanError)
            stdout.WriteLine(string.Create(inv, $"mean training image: error {meanError:0.000}"));
    }
}
