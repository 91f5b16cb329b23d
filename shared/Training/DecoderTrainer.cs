using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Decoders.Platform;
using FeatureInversion.Models;
using FeatureInversion.Onnx;
using FeatureInversion.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Training;

/// <summary>
/// Trains a decoder with the paper's objective: squared Euclidean loss ‖x − f(φ(x))‖² (as a per-pixel mean),
/// Adam (β1 0.9, β2 0.999, lr 1e-3 by default) with step decay towards the end, on an endless stream of fresh
/// random crops (<see cref="StreamingBatches"/>). The network, its optimiser state and the batch tensors live on
/// the network's device (put it there with <see cref="TorchDevices"/> first); each batch is copied into tensors
/// allocated once, and the only value read back per step is the logged loss. CNN-layer features are computed on
/// that device from the batch's images by an <see cref="IBatchEncoder"/> when one is given.
/// </summary>
public static class DecoderTrainer
{
    private static readonly Dictionary<string, string> CheckedArchitectures = [];

    /// <summary>
    /// Before a decoder trains on oneDNN on the CPU: one step's output and gradients against ATen's native kernels
    /// (<see cref="GradientCheck"/>), once per architecture and process. On a mismatch the process falls back to the
    /// native kernels; with oneDNN forced by the host it refuses to train. Returns what it found (for the log).
    /// </summary>
    public static string CheckTrainingKernels(DecoderNetwork network)
    {
        var kernels = TorchKernels.Current;
        if (kernels.Backend != KernelBackend.OneDnn || TorchDevices.Of(network).type != DeviceType.CPU)
            return $"kernels: {kernels}";
        var spec = network.Spec;
        string key = $"{spec.Representation.Name}/{spec.ImageSize}/{spec.Width}";
        lock (CheckedArchitectures)
        {
            if (CheckedArchitectures.TryGetValue(key, out var known))
                return known;
            var check = GradientCheck.Run(network);
            string found;
            if (check.Passed)
                found = $"kernels: {kernels}; training step against ATen's native kernels: {check}";
            else if (kernels.Forced)
                throw new KernelMismatchException(
                    $"oneDNN's training arithmetic disagrees with ATen's native kernels on this CPU ({check}); "
                        + $"{TorchKernels.OverrideVariable}=onednn cannot train this decoder here"
                );
            else
                found = $"kernels: {TorchKernels.FallBack($"oneDNN's training step disagreed with ATen's: {check}")}";
            CheckedArchitectures[key] = found;
            return found;
        }
    }

    public static (double FinalLoss, int Steps, double Seconds) Train(
        DecoderNetwork network,
        StreamingBatches train,
        FeatureDataset? test,
        TrainingOptions options,
        int startStep = 0,
        IBatchEncoder? encoder = null,
        IProgress<TrainingProgress>? progress = null,
        Action<TrainingCheckpoint>? checkpoint = null,
        CancellationToken cancel = default
    )
    {
        options.Validate();
        if (train.ImageSize != network.Spec.ImageSize)
            throw new ArgumentException($"Batches are {train.ImageSize}px, the decoder is {network.Spec.ImageSize}px.");
        if (encoder is null && train.FeatureShape is null)
            throw new ArgumentException("An images-only stream needs an encoder that computes the features.");
        if (encoder is null && train.FeatureShape != network.Spec.Input)
            throw new ArgumentException(
                $"Batches carry {train.FeatureShape} features, {network.Spec.Representation}'s decoder reads "
                    + $"{network.Spec.Input}."
            );
        CheckTrainingKernels(network);
        torch.random.manual_seed(options.Seed + startStep);
        var device = TorchDevices.Of(network);
        using var optimizer = optim.Adam(network.parameters(), options.LearningRate, options.Beta1, options.Beta2);
        network.train();

        int batch = train.BatchSize,
            size = train.ImageSize;
        var shape = train.FeatureShape;
        using var tensors = new BatchTensors(
            device,
            encoder is null ? [batch, shape!.Value.Channels, shape.Value.Rows, shape.Value.Cols] : null,
            [batch, 3, size, size]
        );
        var result = TrainingLoop.Run(
            optimizer,
            options,
            startStep,
            batch,
            () =>
            {
                var data = train.Take(cancel);
                tensors.Load(data);
                train.Return(data);
                network.train();
                using var scope = NewDisposeScope();
                var x = encoder is null ? tensors.Features! : encoder.Encode(tensors.Images);
                optimizer.zero_grad();
                var loss = nn.functional.mse_loss(network.call(x), tensors.Images);
                loss.backward();
                optimizer.step();
                return loss.item<float>();
            },
            test is null ? null : () => Evaluate(network, test).NormalizedError,
            progress,
            cancel,
            checkpoint
        );
        network.eval();
        return result;
    }

    /// <summary>The name of the first parameter with a NaN or infinite value, or null when all are finite.</summary>
    public static string? NonFiniteParameter(nn.Module network)
    {
        using var noGrad = no_grad();
        foreach (var (name, p) in network.named_parameters())
        {
            using var scope = NewDisposeScope(); // isfinite's mask and its reduction
            if (!p.isfinite().all().item<bool>())
                return name;
        }
        return null;
    }

    /// <summary>Reconstructs every sample of <paramref name="data"/> (in [0, 1], planar RGB) in batches on the
    /// network's device.</summary>
    public static List<float[]> Reconstruct(DecoderNetwork network, FeatureDataset data, int batchSize = 64) =>
        DecoderInference.RunAll(
            network,
            [data.Shape.Channels, data.Shape.Rows, data.Shape.Cols],
            data.Count,
            data.CopyFeatures,
            batchSize: batchSize
        );

    /// <summary>Targets of a dataset as [0, 1] planar RGB arrays.</summary>
    public static List<float[]> Targets(FeatureDataset data) =>
        Enumerable.Range(0, data.Count).Select(data.Target).ToList();

    /// <summary>Normalised error, PSNR and SSIM on a test set, the error of predicting <paramref name="meanImage"/> for
    /// every image, the colour gain and the per-photo errors (see <see cref="Evaluation.Record"/>).</summary>
    public static EvaluationRecord Evaluate(
        DecoderNetwork network,
        FeatureDataset test,
        float[]? meanImage = null,
        string data = "",
        IReadOnlyList<string>? photoOfCrop = null
    ) => Evaluation.Record(Targets(test), Reconstruct(network, test), test.ImageSize, meanImage, data, photoOfCrop);
}
