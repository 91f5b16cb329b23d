using System.Diagnostics;
using FeatureInversion.Analysis.Optimization;
using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Features;
using FeatureInversion.Imaging;
using FeatureInversion.Models;
using TorchSharp;

namespace FeatureInversion.Analysis;

/// <summary>What the comparison asks for: the representation, the test crops, the optimization's settings, and
/// optionally a decoder of the same representation (with its folder, for its mean image).</summary>
public sealed record OptimizationComparisonRequest(
    RepresentationDescriptor Representation,
    string TestDirectory,
    int Size,
    int PerPhoto,
    OptimizationSettings Settings,
    torch.Device Device,
    double HogTemperature = DifferentiableHog.DefaultTemperature,
    HogBinning HogBinning = HogBinning.StraightThrough,
    DecoderNetwork? Decoder = null,
    DecoderManifest? DecoderManifest = null,
    string? DecoderDirectory = null
);

/// <summary>The comparison's figures: every error is ‖x − x̂‖₂ / N on the same crops, N their mean pairwise
/// distance.</summary>
public sealed record OptimizationComparisonResult
{
    public required int Crops { get; init; }

    /// <summary>For HOG: the soft binning's correlation with the exact features and the forward pass's largest
    /// difference (null for other representations).</summary>
    public (double R, double WorstForward)? HogAgreement { get; init; }

    public required OptimizationResult Optimization { get; init; }
    public required double OptimizationError { get; init; }

    /// <summary>The crops' own grayscale: no gray reconstruction can do better.</summary>
    public required double GrayFloor { get; init; }

    public double? DecoderError { get; init; }
    public double? DecoderSeconds { get; init; }

    /// <summary>The decoder's mean training image against the crops (when its checkpoint has one).</summary>
    public double? MeanImageError { get; init; }

    public required IReadOnlyList<ColorImage> Targets { get; init; }
    public IReadOnlyList<ColorImage>? Decoded { get; init; }

    /// <summary>Up to four crops side by side: input, optimization and (with a decoder) the decoder's.</summary>
    public byte[] Sheet()
    {
        int rows = Math.Min(4, Targets.Count);
        var picks = Enumerable.Range(0, rows).Select(i => i * Targets.Count / rows).ToList();
        var grid = picks
            .Select(i =>
                (IReadOnlyList<ColorImage>)(
                    Decoded is null
                        ? [Targets[i], Optimization.Images[i]]
                        : [Targets[i], Optimization.Images[i], Decoded[i]]
                )
            )
            .ToList();
        return ContactSheet.RenderGrid(
            Decoded is null ? ["input", "optimization"] : ["input", "optimization", "decoder"],
            grid
        );
    }
}

/// <summary>
/// The paper's Table 2 (Dosovitskiy &amp; Brox 2016, §4): optimization-based inversion (Mahendran &amp; Vedaldi
/// 2015, the paper's reference [20]) of test crops' features beside a trained decoder and the mean image, on the
/// same crops with the same metric.
/// </summary>
public static class OptimizationComparison
{
    /// <summary>Why the request cannot run (a decoder for another image size), or null.</summary>
    public static string? Problem(OptimizationComparisonRequest request) =>
        request.Decoder is { } decoder && decoder.Spec.ImageSize != request.Size
            ? $"decoder {request.DecoderManifest?.Version} is for {decoder.Spec.ImageSize}px, not {request.Size}px"
            : null;

    /// <summary>The test crops (centred squares and random ones, as <see cref="DecoderEvaluation.TestSet"/> makes
    /// them) and their features.</summary>
    public static (List<ColorImage> Targets, List<FeatureMap> Features) Crops(OptimizationComparisonRequest request)
    {
        var (targets, _, features) = DecoderEvaluation.TestSet(
            request.Representation,
            request.TestDirectory,
            request.Size,
            request.PerPhoto
        );
        return (targets, features);
    }

    /// <summary>Runs the comparison on <paramref name="crops"/> (from <see cref="Crops"/>);
    /// <paramref name="iterationsDone"/> reports the optimization's steps.</summary>
    public static OptimizationComparisonResult Run(
        OptimizationComparisonRequest request,
        (List<ColorImage> Targets, List<FeatureMap> Features) crops,
        IProgress<int>? iterationsDone = null
    )
    {
        if (Problem(request) is { } problem)
            throw new ArgumentException(problem, nameof(request));
        var (targets, features) = crops;
        var planes = targets.Select(t => t.Planes).ToList();
        double n = ReconstructionMetrics.MeanPairwiseDistance(planes);
        using var encoder = OptimizationInversion.EncoderFor(
            request.Representation,
            request.Device,
            request.HogTemperature,
            request.HogBinning
        );
        (double, double)? agreement = encoder is DifferentiableHog hog ? hog.Agreement(targets, features) : null;
        var optimization = OptimizationInversion.Invert(
            encoder.EncodeWithGradient,
            features,
            request.Size,
            request.Settings,
            request.Device,
            iterationsDone
        );
        double grayFloor =
            planes.Average(p => ReconstructionMetrics.Distance(p, ReconstructionMetrics.GrayAsRgb(p))) / n;

        List<ColorImage>? decoded = null;
        double? decoderError = null,
            decoderSeconds = null,
            meanImageError = null;
        if (request.Decoder is { } network)
        {
            var clock = Stopwatch.StartNew();
            decoded = DecoderInference.Decode(network, features);
            decoderSeconds = clock.Elapsed.TotalSeconds;
            decoderError = ReconstructionMetrics.NormalizedError(planes, decoded.Select(d => d.Planes).ToList());
            if (
                request.DecoderDirectory is { } dir
                && DecoderCheckpoint.TryLoadMeanImage(dir, request.Size) is { } mean
            )
                meanImageError = planes.Average(p => ReconstructionMetrics.Distance(p, mean)) / n;
        }
        return new OptimizationComparisonResult
        {
            Crops = targets.Count,
            HogAgreement = agreement,
            Optimization = optimization,
            OptimizationError = ReconstructionMetrics.NormalizedError(
                planes,
                optimization.Images.Select(i => i.Planes).ToList()
            ),
            GrayFloor = grayFloor,
            DecoderError = decoderError,
            DecoderSeconds = decoderSeconds,
            MeanImageError = meanImageError,
            Targets = targets,
            Decoded = decoded,
        };
    }
}
