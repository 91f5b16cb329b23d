using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Features;
using FeatureInversion.Imaging;
using FeatureInversion.Models;
using FeatureInversion.Training;

namespace FeatureInversion.Analysis;

/// <summary>Result of evaluating a decoder on a folder of test photographs.</summary>
public sealed record EvaluationReport(
    string Decoder, string Representation, int DecoderSize, int EvaluationSize, int TestImages,
    double NormalizedError, double Psnr, double Ssim, double? MeanImageBaselineError, IReadOnlyList<double> PerImageError);

/// <summary>
/// Evaluates a decoder as in the paper: test crops of separate photographs at the evaluation size are the targets;
/// features are computed on the crop resized to the decoder's size; where the decoder predicts a smaller image
/// its output is upsampled bilinearly to the evaluation size before comparing.
/// </summary>
public static class DecoderEvaluation
{
    public static (EvaluationReport Report, List<ColorImage> Targets, List<ColorImage> Reconstructions, List<FeatureMap> Features) Run(
        DecoderNetwork network, DecoderManifest manifest, string testDirectory, int perPhoto = 10, int? evaluationSize = null, float[]? meanImage = null)
    {
        int size = network.Spec.ImageSize;
        int evalSize = evaluationSize ?? size;
        if (evalSize < size) throw new ArgumentException($"Evaluation size {evalSize} is smaller than the decoder's {size}.");
        List<ColorImage> targets;
        using (var sampler = new CropSampler(testDirectory)) targets = sampler.Evaluation(perPhoto, evalSize);
        var inputs = evalSize == size ? targets : targets.Select(t => ImageFiles.Resize(t, size, size)).ToList();

        var representation = network.Spec.Representation.Create();
        var features = inputs.Select(i => representation.Extract(i)).ToList();
        var reconstructions = DecoderInference.Decode(network, features, evalSize);

        var t = targets.Select(i => i.Planes).ToList();
        var r = reconstructions.Select(i => i.Planes).ToList();
        var perImage = t.Zip(r).Select(p => ReconstructionMetrics.Distance(p.First, p.Second)).ToList();
        double norm = ReconstructionMetrics.MeanPairwiseDistance(t);
        double? baseline = null;
        if (meanImage is not null)
        {
            if (meanImage.Length != t[0].Length) throw new ArgumentException("Mean image does not have the evaluation size.");
            baseline = ReconstructionMetrics.NormalizedError(t, t.Select(_ => meanImage).ToList());
        }
        var report = new EvaluationReport(manifest.Version, network.Spec.Representation.Name, size, evalSize, t.Count,
            perImage.Average() / norm,
            t.Zip(r).Average(p => ReconstructionMetrics.Psnr(p.First, p.Second)),
            t.Zip(r).Average(p => ReconstructionMetrics.Ssim(p.First, p.Second, evalSize)),
            baseline,
            perImage.Select(d => d / norm).ToList());
        return (report, targets, reconstructions, features);
    }
}
