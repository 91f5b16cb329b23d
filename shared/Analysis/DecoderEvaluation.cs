using FeatureInversion.Decoders;
using FeatureInversion.Features;
using FeatureInversion.Imaging;
using FeatureInversion.Training;
using static TorchSharp.torch;

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
        using (var sampler = new CropSampler(testDirectory)) targets = sampler.Evaluation(perPhoto, evalSize, seed: 12345);
        var inputs = evalSize == size ? targets : targets.Select(t => ImageFiles.Resize(t, size, size)).ToList();

        var representation = FeatureRepresentations.Create(network.Spec.Representation);
        var features = inputs.Select(i => representation.Extract(i)).ToList();
        var reconstructions = Decode(network, features, evalSize);

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
        var report = new EvaluationReport(manifest.Version, network.Spec.Representation, size, evalSize, t.Count,
            perImage.Average() / norm,
            t.Zip(r).Average(p => ReconstructionMetrics.Psnr(p.First, p.Second)),
            t.Zip(r).Average(p => ReconstructionMetrics.Ssim(p.First, p.Second, evalSize)),
            baseline,
            perImage.Select(d => d / norm).ToList());
        return (report, targets, reconstructions, features);
    }

    /// <summary>Decodes feature maps in batches, upsampling bilinearly to <paramref name="outputSize"/> when larger.</summary>
    public static List<ColorImage> Decode(DecoderNetwork network, IReadOnlyList<FeatureMap> features, int? outputSize = null, int batchSize = 32)
    {
        var spec = network.Spec;
        int size = outputSize ?? spec.ImageSize;
        foreach (var f in features)
        {
            if (f.Shape != spec.Input) throw new ArgumentException($"Features are {f.Shape}, the {spec.Representation} decoder takes {spec.Input}.");
        }
        network.eval();
        var device = network.parameters().First().device;
        var result = new List<ColorImage>(features.Count);
        using var noGrad = no_grad();
        for (int start = 0; start < features.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, features.Count - start);
            var data = new float[n * spec.Input.Length];
            for (int i = 0; i < n; i++) features[start + i].Data.CopyTo(data, i * spec.Input.Length);
            using var scope = NewDisposeScope();
            // Inputs go to the network's device (CUDA in a GPU worker); results come back to the CPU to be read.
            var y = network.call(tensor(data, [n, spec.Input.Channels, spec.Input.Rows, spec.Input.Cols]).to(device));
            if (size != spec.ImageSize)
                y = nn.functional.interpolate(y, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
            var values = y.clamp(0, 1).cpu().contiguous().data<float>().ToArray();
            int p = 3 * size * size;
            for (int i = 0; i < n; i++) result.Add(new ColorImage(size, size, values.AsSpan(i * p, p).ToArray()));
        }
        return result;
    }
}
