using FeatureInversion.Features;
using FeatureInversion.Imaging;
using FeatureInversion.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Analysis.Optimization;

/// <summary>
/// Settings of optimization-based inversion. The objective and its normalisation are Mahendran &amp; Vedaldi's
/// (CVPR 2015, "Understanding deep image representations by inverting them", §2–3): for a target φ₀,
/// <c>‖Φ(x) − φ₀‖² / ‖φ₀‖² + λ_α · mean(|x̃ / B|^α) + λ_V · mean((|∇x̃| / V)^β)</c> with x̃ the image minus its middle
/// gray, B its typical magnitude and V = B / 6.5; α = 6 and β = 2 as they use for CNNs. B is their 80 (of ±128) on
/// our 0–1 scale. The λs, the step size and the schedule were chosen here (their paper tunes λ_V per layer) and are
/// stated in docs/analyses.md with the errors they give.
/// </summary>
public sealed record OptimizationSettings
{
    public int Iterations { get; init; } = 300;

    /// <summary>Gradient descent with momentum (M&amp;V): step size, divided by 10 at 60 % and again at 85 % of the
    /// run.</summary>
    public double LearningRate { get; init; } = 3;
    public double Momentum { get; init; } = 0.9;
    public double Alpha { get; init; } = 6;
    public double Beta { get; init; } = 2;
    public double LambdaAlpha { get; init; } = 1;
    public double LambdaTv { get; init; } = 0.1;
    public double B { get; init; } = 80.0 / 255;
    public int Seed { get; init; } = 1;
}

/// <summary>What an optimization run reached: the images (gray, as the representations see only gray) and the
/// mean normalised feature loss at the start and the end.</summary>
public sealed record OptimizationResult(
    List<ColorImage> Images,
    double InitialFeatureLoss,
    double FinalFeatureLoss,
    double Seconds
);

/// <summary>
/// Optimization-based inversion (the paper's baseline, its reference [20]): gradient descent on the image, through a
/// differentiable encoder, from mid-gray plus a little seeded noise. The representations here are computed on the
/// grayscale image, so the image optimised is one gray plane (replicated to RGB): colour cannot be recovered this way.
/// All images of a batch are optimised together (the objective is a sum of per-image terms).
/// </summary>
public static class OptimizationInversion
{
    public static OptimizationResult Invert(
        Func<Tensor, Tensor> encoder,
        IReadOnlyList<FeatureMap> targets,
        int size,
        OptimizationSettings settings,
        Device device,
        IProgress<int>? iterationsDone = null
    )
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var shape = targets[0].Shape;
        var flat = new float[targets.Count * shape.Length];
        for (int i = 0; i < targets.Count; i++)
            targets[i].Data.CopyTo(flat, i * shape.Length);
        var phi0 = tensor(flat, [targets.Count, shape.Channels, shape.Rows, shape.Cols]).to(device);
        var norm = phi0.pow(2).sum([1, 2, 3]).clamp_min(1e-12);
        torch.random.manual_seed(settings.Seed);
        var x = new TorchSharp.Modules.Parameter(
            (full([targets.Count, 1, size, size], 0.5f) + 0.01f * randn([targets.Count, 1, size, size])).to(device)
        );
        var optimizer = optim.SGD([x], settings.LearningRate, settings.Momentum);
        double v = settings.B / 6.5;
        double initial = 0,
            final = 0;
        for (int it = 0; it < settings.Iterations; it++)
        {
            if (it == (int)(0.6 * settings.Iterations) || it == (int)(0.85 * settings.Iterations))
                foreach (var group in optimizer.ParamGroups)
                    group.LearningRate /= 10;
            using var step = NewDisposeScope();
            optimizer.zero_grad();
            var features = encoder(x.expand(-1, 3, -1, -1));
            var data = (features - phi0).pow(2).sum([1, 2, 3]) / norm;
            var centred = (x - 0.5f) / settings.B;
            var ralpha = centred.abs().pow(settings.Alpha).mean([1, 2, 3]);
            var dx = x[.., .., ..^1, 1..] - x[.., .., ..^1, ..^1];
            var dy = x[.., .., 1.., ..^1] - x[.., .., ..^1, ..^1];
            var tv = ((dx.pow(2) + dy.pow(2)) / (v * v)).pow(settings.Beta / 2).mean([1, 2, 3]);
            var loss = (data + settings.LambdaAlpha * ralpha + settings.LambdaTv * tv).sum();
            loss.backward();
            optimizer.step();
            using (no_grad())
                x.clamp_(0, 1);
            double mean = data.mean().item<float>();
            if (it == 0)
                initial = mean;
            final = mean;
            iterationsDone?.Report(it + 1);
        }
        var gray = x.detach().cpu().contiguous().data<float>().ToArray();
        int plane = size * size;
        var images = Enumerable
            .Range(0, targets.Count)
            .Select(i =>
            {
                var planes = new float[3 * plane];
                for (int c = 0; c < 3; c++)
                    Array.Copy(gray, i * plane, planes, c * plane, plane);
                return new ColorImage(size, size, planes);
            })
            .ToList();
        return new OptimizationResult(images, initial, final, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The differentiable encoder of a representation on <paramref name="device"/>: a CNN layer's network
    /// (ResNet18 or AlexNet), or HOG's re-implementation (<see cref="DifferentiableHog"/>, soft orientation binning at
    /// <paramref name="hogTemperature"/>, gradients given to orientations by <paramref name="hogBinning"/>).</summary>
    public static IBatchEncoder EncoderFor(
        RepresentationDescriptor representation,
        Device device,
        double hogTemperature = DifferentiableHog.DefaultTemperature,
        HogBinning hogBinning = HogBinning.StraightThrough
    )
    {
        // The extractor only says what the representation is; the encoder owns its own network.
        using var extractor = representation.Create();
        return extractor switch
        {
            IBatchEncodable encodable => encodable.CreateEncoder(device),
            HogExtractor hog => new DifferentiableHog(hog.CellSize, hogTemperature, device, hogBinning),
            _ => throw new ArgumentException(
                $"{representation.Name} has no differentiable encoder (CNN layers and HOG have; LBP's and SIFT's are "
                    + $"not written)."
            ),
        };
    }
}
