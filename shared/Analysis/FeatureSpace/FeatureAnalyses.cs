using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Features;
using FeatureInversion.Imaging;
using FeatureInversion.Models;
using FeatureInversion.Training.Data;

namespace FeatureInversion.Analysis.FeatureSpace;

/// <summary>One decoder's error on the test crops after a change of their features.</summary>
public sealed record FeatureChangeError(string Decoder, string Representation, string Change, double NormalizedError);

/// <summary>
/// The paper's feature-space analyses (§5.3–5.5) for a trained decoder, on the same test crops and with the same metric
/// as its evaluation: perturbations (binarization, dropout), top-k activations, interpolation between two images and
/// random feature vectors. Each returns its figures and a sheet (PNG) like the paper's Figures 8–11.
/// </summary>
public static class FeatureAnalyses
{
    /// <summary>Normalized error under each change; sheet: input | reconstruction after each change, for <paramref
    /// name="sheetRows"/> test crops.</summary>
    /// <remarks>With <paramref name="encoder"/> (an autoencoder's) its features are perturbed instead of the
    /// representation's.</remarks>
    public static (IReadOnlyList<FeatureChangeError> Errors, byte[] Sheet) Changes(
        DecoderNetwork network,
        DecoderManifest manifest,
        string testDirectory,
        IReadOnlyList<Perturbation> changes,
        int perPhoto = 10,
        int sheetRows = 4,
        Onnx.IBatchEncoder? encoder = null,
        IProgress<int>? changesDone = null
    )
    {
        var (targets, _, features) = DecoderEvaluation.TestSet(
            network.Spec.Representation,
            testDirectory,
            network.Spec.ImageSize,
            perPhoto,
            encoder: encoder,
            device: Decoders.Inference.TorchDevices.Of(network)
        );
        var planes = targets.Select(t => t.Planes).ToList();
        double n = ReconstructionMetrics.MeanPairwiseDistance(planes); // once: it is quadratic in the crops
        var errors = new List<FeatureChangeError>();
        var reconstructions = new List<List<ColorImage>>();
        foreach (var change in changes)
        {
            var changed = features.Select((f, i) => new FeatureMap(f.Shape, change.Apply(f.Data, i))).ToList();
            var decoded = DecoderInference.Decode(network, changed);
            reconstructions.Add(decoded);
            errors.Add(
                new FeatureChangeError(
                    manifest.Version,
                    network.Spec.Representation.Name,
                    change.Name,
                    planes.Zip(decoded).Average(p => ReconstructionMetrics.Distance(p.First, p.Second.Planes)) / n
                )
            );
            changesDone?.Report(errors.Count);
        }
        var picks = Spread(targets.Count, sheetRows);
        var rows = picks
            .Select(i => (IReadOnlyList<ColorImage>)[targets[i], .. reconstructions.Select(r => r[i])])
            .ToList();
        return (errors, ContactSheet.RenderGrid(["input", .. changes.Select(c => c.Name)], rows));
    }

    /// <summary>Reconstructions along (1 − t)·φ(a) + t·φ(b) for each decoder (one sheet row per decoder: a, t = 0 … 1,
    /// b). Returns the sheet and, per decoder, the distances of the t = 0 and t = 1 images to the plain reconstructions
    /// of a and b.</summary>
    public static (byte[] Sheet, IReadOnlyList<(string Decoder, double EndpointDifference)> Endpoints) Interpolate(
        IReadOnlyList<(DecoderNetwork Network, DecoderManifest Manifest)> decoders,
        ColorImage a,
        ColorImage b,
        int steps = 5
    )
    {
        if (steps < 2)
            throw new ArgumentOutOfRangeException(nameof(steps), "Need at least the two endpoints.");
        var rows = new List<IReadOnlyList<ColorImage>>();
        var endpoints = new List<(string, double)>();
        foreach (var (network, manifest) in decoders)
        {
            int size = network.Spec.ImageSize;
            var (va, vb) = (ImageFiles.CenterSquare(a, size), ImageFiles.CenterSquare(b, size));
            FeatureMap fa,
                fb;
            using (var representation = network.Spec.Representation.Create())
                (fa, fb) = (representation.Extract(va), representation.Extract(vb));
            var path = Enumerable
                .Range(0, steps)
                .Select(k => new FeatureMap(
                    fa.Shape,
                    FeatureTransforms.Interpolate(fa.Data, fb.Data, k / (steps - 1.0))
                ))
                .ToList();
            var decoded = DecoderInference.Decode(network, [.. path, fa, fb]);
            double difference = Math.Max(
                ReconstructionMetrics.Distance(decoded[0].Planes, decoded[steps].Planes),
                ReconstructionMetrics.Distance(decoded[steps - 1].Planes, decoded[steps + 1].Planes)
            );
            endpoints.Add((manifest.Version, difference));
            rows.Add([va, .. decoded.Take(steps), vb]);
        }
        var headers = new List<string> { "image a" };
        for (int k = 0; k < steps; k++)
            headers.Add($"t = {k / (steps - 1.0):0.##}");
        headers.Add("image b");
        return (ContactSheet.RenderGrid(headers, rows), endpoints);
    }

    /// <summary>
    /// Random feature vectors for a decoder, drawn per dimension from the features of <paramref name="references"/>
    /// random training crops (histograms with their sparsity, and one truncated Gaussian, both times α); a sheet row
    /// each. Returns the sheet, the reference sparsity and the mean sparsity of the histogram samples.
    /// </summary>
    public static (byte[] Sheet, double ReferenceSparsity, double SampleSparsity) Random(
        DecoderNetwork network,
        string trainDirectory,
        int references = 1024,
        int samples = 6,
        double alpha = 2,
        int seed = 1,
        IProgress<int>? cropsDone = null
    )
    {
        var sampler = new FeatureSampler(ReferenceFeatures(network, trainDirectory, references, seed, cropsDone));
        var random = new Random(seed);
        var shape = network.Spec.Input;
        var fromHistograms = Enumerable.Range(0, samples).Select(_ => sampler.FromHistograms(random, alpha)).ToList();
        var fromGaussian = Enumerable
            .Range(0, samples)
            .Select(_ => sampler.FromTruncatedGaussian(random, alpha))
            .ToList();
        var decoded = DecoderInference.Decode(
            network,
            [.. fromHistograms.Concat(fromGaussian).Select(x => new FeatureMap(shape, x))]
        );
        double sampleSparsity = fromHistograms.Average(x => x.Count(v => v == 0) / (double)x.Length);
        var headers = Enumerable.Range(1, samples).Select(i => $"sample {i}").ToList();
        var sheet = ContactSheet.RenderGrid(headers, [decoded.Take(samples).ToList(), decoded.Skip(samples).ToList()]);
        return (sheet, sampler.Sparsity, sampleSparsity);
    }

    /// <summary>
    /// Figure 17: images decoded from a feature vector with a single non-zero unit, set to that unit's largest value
    /// over <paramref name="references"/> random training crops (so it stays in the range the decoder saw). Only for
    /// vector layers (1 × 1 maps: pooled or fully connected). Units default to the <paramref name="count"/> that are
    /// most active on average over the crops. Returns the sheet and the (unit, value) pairs.
    /// </summary>
    public static (byte[] Sheet, IReadOnlyList<(int Unit, float Value)> Units) SingleUnits(
        DecoderNetwork network,
        string trainDirectory,
        IReadOnlyList<int>? units = null,
        int count = 8,
        int references = 1024,
        int seed = 1,
        IProgress<int>? cropsDone = null
    )
    {
        var shape = network.Spec.Input;
        if (shape.Rows != 1 || shape.Cols != 1)
            throw new ArgumentException(
                $"{network.Spec.Representation.Name} gives {shape} maps; single units are for vector layers (1 x 1)."
            );
        var reference = ReferenceFeatures(network, trainDirectory, references, seed, cropsDone);
        var max = Enumerable.Range(0, shape.Channels).Select(u => reference.Max(r => r[u])).ToArray();
        var chosen = units
            ?? Enumerable
                .Range(0, shape.Channels)
                .OrderByDescending(u => reference.Average(r => r[u]))
                .ThenBy(u => u)
                .Take(count)
                .ToList();
        foreach (var u in chosen)
            if (u < 0 || u >= shape.Channels)
                throw new ArgumentException($"Unit {u} is outside 0..{shape.Channels - 1}.");
        var vectors = chosen
            .Select(u =>
            {
                var x = new float[shape.Length];
                x[u] = max[u];
                return new FeatureMap(shape, x);
            })
            .ToList();
        var decoded = DecoderInference.Decode(network, vectors);
        var sheet = ContactSheet.RenderGrid(chosen.Select(u => $"unit {u}").ToList(), [decoded]);
        return (sheet, chosen.Select(u => (u, max[u])).ToList());
    }

    /// <summary>The decoder's representation of <paramref name="count"/> random training crops at its size,
    /// reporting the crops whose features are computed.</summary>
    private static List<float[]> ReferenceFeatures(
        DecoderNetwork network,
        string trainDirectory,
        int count,
        int seed,
        IProgress<int>? cropsDone
    )
    {
        List<ColorImage> crops;
        using (var sampler = new CropSampler(trainDirectory, network.Spec.ImageSize))
            crops = sampler.Random(count, seed);
        using var representation = network.Spec.Representation.Create();
        var features = new List<float[]>(crops.Count);
        foreach (var crop in crops)
        {
            features.Add(representation.Extract(crop).Data);
            cropsDone?.Report(features.Count);
        }
        return features;
    }

    /// <summary><paramref name="count"/> indices spread over 0 … n − 1.</summary>
    private static int[] Spread(int n, int count) =>
        Enumerable.Range(0, Math.Min(n, count)).Select(i => i * n / Math.Min(n, count)).ToArray();
}
