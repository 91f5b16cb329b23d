using FeatureInversion.Analysis;
using FeatureInversion.Decoders;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Training;

public sealed record TrainingOptions
{
    public int Steps { get; init; } = 2000;
    public int BatchSize { get; init; } = 64;
    public double LearningRate { get; init; } = 1e-3;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Fraction of the steps after which the learning rate is halved every further tenth of the run.</summary>
    public double DecayFrom { get; init; } = 0.6;

    public int Seed { get; init; } = 1;

    /// <summary>Evaluate on the test set every this many steps (0: only at the end).</summary>
    public int EvaluateEvery { get; init; } = 500;

    public void Validate()
    {
        if (Steps <= 0 || BatchSize <= 0 || LearningRate <= 0 || DecayFrom is < 0 or > 1)
            throw new ArgumentException("Steps, batch size and learning rate must be positive, DecayFrom in [0, 1].");
    }

    /// <summary>Learning rate at a step: constant, then halved at DecayFrom and after every further 10% of the run.</summary>
    public double LearningRateAt(int step)
    {
        double start = DecayFrom * Steps;
        if (step < start) return LearningRate;
        int halvings = 1 + (int)((step - start) / (0.1 * Steps));
        return LearningRate * Math.Pow(0.5, halvings);
    }
}

public readonly record struct TrainingProgress(int Step, int Steps, double Loss, double ImagesPerSecond, double LearningRate, double? TestError);

/// <summary>
/// Trains a decoder with the paper's objective: squared Euclidean loss ‖x − f(φ(x))‖² (as a per-pixel mean),
/// Adam (β1 0.9, β2 0.999, lr 1e-3 by default) with step decay towards the end, batches drawn by a seeded
/// generator. Every batch runs in its own dispose scope so native memory does not grow across steps.
/// </summary>
public sealed class DecoderTrainer
{
    public static (double FinalLoss, int Steps, double Seconds) Train(DecoderNetwork network, FeatureDataset train, FeatureDataset? test,
        TrainingOptions options, int startStep = 0, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (train.Representation != network.Spec.Representation || train.ImageSize != network.Spec.ImageSize)
            throw new ArgumentException($"Dataset ({train.Representation}, {train.ImageSize}px) does not fit the decoder ({network.Spec.Representation}, {network.Spec.ImageSize}px).");
        torch.random.manual_seed(options.Seed + startStep);
        var random = new Random(options.Seed * 7919 + startStep);
        var optimizer = optim.Adam(network.parameters(), options.LearningRate, options.Beta1, options.Beta2);
        network.train();

        int batch = Math.Min(options.BatchSize, train.Count);
        var indices = new int[batch];
        var features = new float[batch * train.Shape.Length];
        var images = new float[batch * 3 * train.ImageSize * train.ImageSize];
        long[] featureShape = [batch, train.Shape.Channels, train.Shape.Rows, train.Shape.Cols];
        long[] imageShape = [batch, 3, train.ImageSize, train.ImageSize];
        var result = TrainingLoop.Run(optimizer, options, startStep, batch, () =>
        {
            for (int b = 0; b < batch; b++) indices[b] = random.Next(train.Count);
            train.Gather(indices, features, images);
            network.train();
            using var scope = NewDisposeScope();
            var x = tensor(features, featureShape);
            var target = tensor(images, imageShape);
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(network.call(x), target);
            loss.backward();
            optimizer.step();
            return loss.item<float>();
        }, test is null ? null : () => Evaluate(network, test).NormalizedError, progress, cancel);
        optimizer.Dispose();
        network.eval();
        return result;
    }

    /// <summary>Reconstructs every sample of <paramref name="data"/> (in [0, 1], planar RGB) in batches.</summary>
    public static List<float[]> Reconstruct(DecoderNetwork network, FeatureDataset data, int batchSize = 64)
    {
        network.eval();
        var result = new List<float[]>(data.Count);
        int p = 3 * data.ImageSize * data.ImageSize;
        using var noGrad = no_grad();
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, data.Count - start);
            var indices = Enumerable.Range(start, n).ToArray();
            var features = new float[n * data.Shape.Length];
            data.Gather(indices, features, new float[n * p]);
            using var scope = NewDisposeScope();
            var output = network.call(tensor(features, [n, data.Shape.Channels, data.Shape.Rows, data.Shape.Cols])).clamp(0, 1).contiguous();
            var values = output.data<float>().ToArray();
            for (int i = 0; i < n; i++) result.Add(values.AsSpan(i * p, p).ToArray());
        }
        return result;
    }

    /// <summary>Targets of a dataset as [0, 1] planar RGB arrays.</summary>
    public static List<float[]> Targets(FeatureDataset data)
    {
        int p = 3 * data.ImageSize * data.ImageSize;
        return Enumerable.Range(0, data.Count).Select(i => data.Images.AsSpan(i * p, p).ToArray().Select(v => v / 255f).ToArray()).ToList();
    }

    /// <summary>Normalised error, PSNR and SSIM on a test set, and the error of predicting <paramref name="meanImage"/> for every image.</summary>
    public static EvaluationRecord Evaluate(DecoderNetwork network, FeatureDataset test, float[]? meanImage = null, string data = "") =>
        Record(Targets(test), Reconstruct(network, test), test.ImageSize, meanImage, data);

    /// <summary>The evaluation record of reconstructions against their targets (both RGB in [0, 1], size × size).</summary>
    public static EvaluationRecord Record(List<float[]> targets, List<float[]> reconstructions, int size, float[]? meanImage, string data) => new()
    {
        Data = data,
        TestImages = targets.Count,
        NormalizedError = ReconstructionMetrics.NormalizedError(targets, reconstructions),
        MeanImageBaselineError = meanImage is null ? double.NaN : ReconstructionMetrics.NormalizedError(targets, targets.Select(_ => meanImage).ToList()),
        MeanPairwiseDistance = ReconstructionMetrics.MeanPairwiseDistance(targets),
        Psnr = targets.Zip(reconstructions).Average(t => ReconstructionMetrics.Psnr(t.First, t.Second)),
        Ssim = targets.Zip(reconstructions).Average(t => ReconstructionMetrics.Ssim(t.First, t.Second, size)),
    };

    /// <summary>The mean training image, the trivial baseline predictor.</summary>
    public static float[] MeanImage(FeatureDataset train)
    {
        int p = 3 * train.ImageSize * train.ImageSize;
        var mean = new double[p];
        for (int i = 0; i < train.Count; i++)
        {
            var img = train.Images.AsSpan(i * p, p);
            for (int k = 0; k < p; k++) mean[k] += img[k];
        }
        return mean.Select(v => (float)(v / train.Count / 255.0)).ToArray();
    }
}
