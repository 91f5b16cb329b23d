using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Imaging;
using FeatureInversion.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Training;

/// <summary>
/// Trains a decoder with the paper's objective: squared Euclidean loss ‖x − f(φ(x))‖² (as a per-pixel mean),
/// Adam (β1 0.9, β2 0.999, lr 1e-3 by default) with step decay towards the end, batches drawn by a seeded
/// generator. The network, its optimiser state and every batch live on the network's device (put it there with
/// <see cref="TorchDevices"/> before training); the only value read back per step is the logged loss. Every batch
/// runs in its own dispose scope so native memory does not grow across steps.
/// </summary>
public static class DecoderTrainer
{
    public static (double FinalLoss, int Steps, double Seconds) Train(DecoderNetwork network, FeatureDataset train, FeatureDataset? test,
        TrainingOptions options, int startStep = 0, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (train.Representation.Name != network.Spec.Representation.Name || train.ImageSize != network.Spec.ImageSize)
            throw new ArgumentException($"Dataset ({train.Representation}, {train.ImageSize}px) does not fit the decoder ({network.Spec.Representation}, {network.Spec.ImageSize}px).");
        torch.random.manual_seed(options.Seed + startStep);
        var random = new Random(options.Seed * Seeds.BatchSampling + startStep);
        var device = TorchDevices.Of(network);
        using var optimizer = optim.Adam(network.parameters(), options.LearningRate, options.Beta1, options.Beta2);
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
            var x = tensor(features, featureShape).to(device);
            var target = tensor(images, imageShape).to(device);
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(network.call(x), target);
            loss.backward();
            optimizer.step();
            return loss.item<float>();
        }, test is null ? null : () => Evaluate(network, test).NormalizedError, progress, cancel);
        network.eval();
        return result;
    }

    /// <summary>Reconstructs every sample of <paramref name="data"/> (in [0, 1], planar RGB) in batches on the network's device.</summary>
    public static List<float[]> Reconstruct(DecoderNetwork network, FeatureDataset data, int batchSize = 64) =>
        DecoderInference.Run(network, [data.Shape.Channels, data.Shape.Rows, data.Shape.Cols], data.Count, data.CopyFeatures, batchSize: batchSize);

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
