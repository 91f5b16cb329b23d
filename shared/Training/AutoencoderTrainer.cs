using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Models;
using FeatureInversion.Onnx;
using FeatureInversion.Training.Data;
using static TorchSharp.torch;

namespace FeatureInversion.Training;

/// <summary>
/// The paper's autoencoder comparison (§5.2): the same decoder trained jointly with the CNN encoder up to the
/// chosen layer, the encoder's weights no longer frozen (BatchNormalization keeps its ImageNet statistics). The
/// features then no longer have to serve classification, only reconstruction, so the error bounds what a decoder
/// of this capacity can do at that layer. Same loss, optimiser, schedule and data (an images-only
/// <see cref="StreamingBatches"/> stream; the encoder sees their grayscale, like the fixed representation). Encoder
/// and decoder must be on the same device.
/// </summary>
public static class AutoencoderTrainer
{
    public static (double FinalLoss, int Steps, double Seconds) Train(
        DecoderNetwork decoder,
        ITrainableEncoder encoder,
        StreamingBatches train,
        FeatureDataset? test,
        TrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancel = default
    )
    {
        options.Validate();
        TorchSharp.torch.random.manual_seed(options.Seed);
        var device = TorchDevices.Of(decoder);
        var parameters = decoder.parameters().Concat(encoder.Network.parameters().Where(p => p.requires_grad)).ToList();
        using var optimizer = optim.Adam(parameters, options.LearningRate, options.Beta1, options.Beta2);
        int batch = train.BatchSize,
            size = train.ImageSize;
        using var tensors = new BatchTensors(device, null, [batch, 3, size, size]);
        var result = TrainingLoop.Run(
            optimizer,
            options,
            0,
            batch,
            () =>
            {
                var data = train.Take(cancel);
                tensors.Load(data);
                train.Return(data);
                decoder.train();
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var code = encoder.Encode(tensors.Images);
                var loss = nn.functional.mse_loss(decoder.call(code), tensors.Images);
                loss.backward();
                optimizer.step();
                return loss.item<float>();
            },
            test is null ? null : () => Evaluate(decoder, encoder, test).NormalizedError,
            progress,
            cancel
        );
        decoder.eval();
        return result;
    }

    /// <summary>Normalized error, PSNR and SSIM of the autoencoder on the test crops (and the mean-image
    /// baseline).</summary>
    public static EvaluationRecord Evaluate(
        DecoderNetwork decoder,
        ITrainableEncoder encoder,
        FeatureDataset test,
        float[]? meanImage = null,
        string data = "",
        IReadOnlyList<string>? photoOfCrop = null
    )
    {
        int size = test.ImageSize;
        var reconstructions = DecoderInference.RunAll(
            decoder,
            [3, size, size],
            test.Count,
            test.CopyImages,
            encode: encoder.Encode
        );
        return Evaluation.Record(DecoderTrainer.Targets(test), reconstructions, size, meanImage, data, photoOfCrop);
    }
}
