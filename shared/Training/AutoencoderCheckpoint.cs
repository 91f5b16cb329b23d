using FeatureInversion.Decoders;
using FeatureInversion.Features;
using FeatureInversion.Models;
using FeatureInversion.Onnx;
using static TorchSharp.torch;

namespace FeatureInversion.Training;

/// <summary>
/// An autoencoder's checkpoint (paper §5.2, <see cref="AutoencoderTrainer"/>): the decoder as any checkpoint, plus its
/// jointly fine-tuned ResNet18 in <see cref="EncoderFileName"/>. Its decoder inverts that encoder's features, not the
/// ImageNet layer's, so analyses must compute features with the encoder loaded here.
/// </summary>
public static class AutoencoderCheckpoint
{
    public const string EncoderFileName = "encoder.dat";

    public static (DecoderNetwork Network, DecoderManifest Manifest, IBatchEncoder Encoder) Load(
        string directory,
        RepresentationRegistry registry,
        Device? device = null
    )
    {
        var (network, manifest) = DecoderCheckpoint.Load(
            directory,
            registry,
            representation: null,
            device,
            autoencoder: true
        );
        try
        {
            string weights = Path.Combine(directory, EncoderFileName);
            if (!File.Exists(weights))
                throw new FileNotFoundException($"{directory}: autoencoder without its {EncoderFileName}.", weights);
            using var extractor = registry.Get(manifest.Representation).Create();
            var layer =
                extractor as ITrainableEncoding
                ?? throw new InvalidDataException(
                    $"{directory}: autoencoder of '{manifest.Representation}', whose encoder cannot be trained."
                );
            return (network, manifest, layer.CreateEncoder(device ?? CPU, weights));
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }
}
