using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Models;
using FeatureInversion.Onnx;
using static TorchSharp.torch;

namespace FeatureInversion.Training;

/// <summary>
/// The paper's autoencoder comparison (§5.2): the same decoder trained jointly with the CNN encoder up to the
/// chosen layer, the encoder's weights no longer frozen (BatchNormalization keeps its ImageNet statistics). The
/// features then no longer have to serve classification, only reconstruction, so the error bounds what a decoder
/// of this capacity can do at that layer. Same loss, optimiser, schedule and data (the target crops of a
/// <see cref="FeatureDataset"/>; the encoder sees their grayscale, like the fixed representation). Encoder and
/// decoder must be on the same device.
/// </summary>
public static class AutoencoderTrainer
{
    public static (double FinalLoss, int Steps, double Seconds) Train(DecoderNetwork decoder, OnnxNetwork encoder, float[] mean, ResNet18Representation layer,
        FeatureDataset train, FeatureDataset? test, TrainingOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        TorchSharp.torch.random.manual_seed(options.Seed);
        var random = new Random(options.Seed * Seeds.BatchSampling);
        var device = TorchDevices.Of(decoder);
        var parameters = decoder.parameters().Concat(encoder.parameters().Where(p => p.requires_grad)).ToList();
        using var optimizer = optim.Adam(parameters, options.LearningRate, options.Beta1, options.Beta2);
        int batch = Math.Min(options.BatchSize, train.Count);
        int size = train.ImageSize;
        var indices = new int[batch];
        var features = new float[batch * train.Shape.Length];
        var images = new float[batch * 3 * size * size];
        var result = TrainingLoop.Run(optimizer, options, 0, batch, () =>
        {
            for (int b = 0; b < batch; b++) indices[b] = random.Next(train.Count);
            train.Gather(indices, features, images);
            decoder.train();
            using var scope = NewDisposeScope();
            var target = tensor(images, [batch, 3, size, size]).to(device);
            optimizer.zero_grad();
            var code = layer.Tap(encoder, ResNet18Representation.EncoderInput(target, mean));
            var loss = nn.functional.mse_loss(decoder.call(code), target);
            loss.backward();
            optimizer.step();
            return loss.item<float>();
        }, test is null ? null : () => Evaluate(decoder, encoder, mean, layer, test).NormalizedError, progress, cancel);
        decoder.eval();
        return result;
    }

    /// <summary>Normalized error, PSNR and SSIM of the autoencoder on the test crops (and the mean-image baseline).</summary>
    public static EvaluationRecord Evaluate(DecoderNetwork decoder, OnnxNetwork encoder, float[] mean, ResNet18Representation layer, FeatureDataset test,
        float[]? meanImage = null, string data = "")
    {
        int size = test.ImageSize;
        var reconstructions = DecoderInference.Run(decoder, [3, size, size], test.Count, test.CopyImages,
            encode: x => layer.Tap(encoder, ResNet18Representation.EncoderInput(x, mean)));
        return DecoderTrainer.Record(DecoderTrainer.Targets(test), reconstructions, size, meanImage, data);
    }
}
