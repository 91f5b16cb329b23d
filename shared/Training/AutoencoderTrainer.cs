using FeatureInversion.Analysis;
using FeatureInversion.Decoders;
using FeatureInversion.Features;
using FeatureInversion.Onnx;
using static TorchSharp.torch;

namespace FeatureInversion.Training;

/// <summary>
/// The paper's autoencoder comparison (§5.2): the same decoder trained jointly with the CNN encoder up to the
/// chosen layer, the encoder's weights no longer frozen (BatchNormalization keeps its ImageNet statistics). The
/// features then no longer have to serve classification, only reconstruction, so the error bounds what a decoder
/// of this capacity can do at that layer. Same loss, optimiser, schedule and data (the target crops of a
/// <see cref="FeatureDataset"/>; the encoder sees their grayscale, like the fixed representation).
/// </summary>
public static class AutoencoderTrainer
{
    public static (double FinalLoss, int Steps, double Seconds) Train(DecoderNetwork decoder, OnnxNetwork encoder, float[] mean, ResNet18Representation layer,
        FeatureDataset train, FeatureDataset? test, TrainingOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        TorchSharp.torch.random.manual_seed(options.Seed);
        var random = new Random(options.Seed * 7919);
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
            var target = tensor(images, [batch, 3, size, size]);
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
        decoder.eval();
        var targets = DecoderTrainer.Targets(test);
        var reconstructions = new List<float[]>();
        int size = test.ImageSize, p = 3 * size * size;
        using (no_grad())
        {
            for (int start = 0; start < targets.Count; start += 32)
            {
                int n = Math.Min(32, targets.Count - start);
                var batch = new float[n * p];
                for (int i = 0; i < n; i++) targets[start + i].CopyTo(batch, i * p);
                using var scope = NewDisposeScope();
                var output = decoder.call(layer.Tap(encoder, ResNet18Representation.EncoderInput(tensor(batch, [n, 3, size, size]), mean))).clamp(0, 1).contiguous();
                var values = output.data<float>().ToArray();
                for (int i = 0; i < n; i++) reconstructions.Add(values.AsSpan(i * p, p).ToArray());
            }
        }
        return DecoderTrainer.Record(targets, reconstructions, size, meanImage, data);
    }
}
