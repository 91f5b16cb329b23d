using System.Security.Cryptography;
using FeatureInversion.Features;

namespace FeatureInversion.Decoders;

/// <summary>
/// A decoder on disk: a folder with <c>manifest.json</c> and <c>weights.dat</c> (TorchSharp state dictionary).
/// Loading refuses a checkpoint whose manifest does not match the representation it is asked to invert, whose
/// settings differ from that representation's, or whose weights do not match the recorded digest.
/// </summary>
public static class DecoderCheckpoint
{
    /// <summary>Manifest setting that marks an autoencoder's decoder (trained with a fine-tuned encoder).</summary>
    public const string EncoderSetting = "encoder";

    public static void Save(DecoderNetwork network, DecoderManifest manifest, string directory)
    {
        Directory.CreateDirectory(directory);
        string weights = Path.Combine(directory, DecoderManifest.WeightsFileName);
        network.save(weights);
        var complete = manifest with
        {
            Representation = network.Spec.Representation,
            ImageSize = network.Spec.ImageSize,
            Width = network.Spec.Width,
            Parameters = network.ParameterCount,
            WeightsSha256 = Sha256(weights),
            RepresentationSettings = new(FeatureRepresentations.Create(network.Spec.Representation).Settings.Concat(manifest.RepresentationSettings)
                .GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value)),
        };
        File.WriteAllText(Path.Combine(directory, DecoderManifest.FileName), complete.ToJson());
    }

    public static DecoderManifest ReadManifest(string directory)
    {
        string path = Path.Combine(directory, DecoderManifest.FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{directory}: no {DecoderManifest.FileName}; not a decoder checkpoint.", path);
        var manifest = DecoderManifest.FromJson(File.ReadAllText(path), path);
        if (manifest.Format != DecoderManifest.CurrentFormat)
            throw new InvalidDataException($"{path}: manifest format {manifest.Format}, this build reads {DecoderManifest.CurrentFormat}.");
        return manifest;
    }

    /// <summary>Loads the decoder in <paramref name="directory"/> for <paramref name="representation"/>.</summary>
    public static (DecoderNetwork Network, DecoderManifest Manifest) Load(string directory, string representation)
    {
        var manifest = ReadManifest(directory);
        if (!string.Equals(manifest.Representation, representation, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{directory}: decoder inverts '{manifest.Representation}', not '{representation}'.");
        if (manifest.RepresentationSettings.TryGetValue(EncoderSetting, out var encoder))
            throw new InvalidDataException($"{directory}: decoder of an autoencoder ({encoder}); it inverts its own fine-tuned encoder, not {representation} features.");
        var expected = FeatureRepresentations.Create(representation).Settings;
        foreach (var (key, value) in expected)
        {
            if (!manifest.RepresentationSettings.TryGetValue(key, out var stored) || stored != value)
                throw new InvalidDataException($"{directory}: decoder was trained on {representation} with {key}={stored ?? "(unset)"}, features use {key}={value}.");
        }
        string weights = Path.Combine(directory, DecoderManifest.WeightsFileName);
        if (!File.Exists(weights)) throw new FileNotFoundException($"{directory}: no {DecoderManifest.WeightsFileName}.", weights);
        if (!string.IsNullOrEmpty(manifest.WeightsSha256) && Sha256(weights) != manifest.WeightsSha256)
            throw new InvalidDataException($"{weights}: SHA-256 differs from the manifest; the file is corrupt or replaced.");

        var network = new DecoderNetwork(DecoderArchitecture.For(representation, manifest.ImageSize, manifest.Width));
        network.load(weights);
        return (network, manifest);
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
