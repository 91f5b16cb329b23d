using System.Security.Cryptography;
using FeatureInversion.Features;
using FeatureInversion.Imaging;
using FeatureInversion.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Decoders;

/// <summary>
/// A decoder on disk: a folder with <c>manifest.json</c> and <c>weights.dat</c> (TorchSharp state dictionary), or,
/// saved for travel, the weights in half precision in parts (<see cref="HalfPrecisionWeights"/>; the manifest's digest
/// is then its index's, which holds each part's).
/// Loading refuses a checkpoint whose manifest does not match the representation it is asked to invert, whose
/// representation this process does not know, whose settings differ from that representation's, or whose weights
/// do not match the recorded digest.
/// </summary>
public static class DecoderCheckpoint
{
    /// <summary>Manifest setting that marks an autoencoder's decoder (trained with a fine-tuned encoder).</summary>
    public const string EncoderSetting = "encoder";

    /// <summary>The mean training image (the baseline predictor), stored beside the weights when training saves
    /// one.</summary>
    public const string MeanImageFileName = DecoderManifest.MeanImageFileName;

    public static void Save(
        DecoderNetwork network,
        DecoderManifest manifest,
        string directory,
        float[]? meanImage = null,
        long halfPartBytes = 0
    )
    {
        Directory.CreateDirectory(directory);
        int size = network.Spec.ImageSize;
        if (meanImage is not null)
        {
            if (meanImage.Length != 3 * size * size)
                throw new ArgumentException(
                    $"Mean image has {meanImage.Length} values, not 3×{size}×{size}.",
                    nameof(meanImage)
                );
            ImageFiles.SavePng(new ColorImage(size, size, meanImage), Path.Combine(directory, MeanImageFileName));
        }
        // One form per folder, so a load never finds the other form's stale weights.
        string weights = Path.Combine(directory, DecoderManifest.WeightsFileName);
        if (halfPartBytes > 0)
        {
            weights = HalfPrecisionWeights.Save(network, directory, halfPartBytes);
            File.Delete(Path.Combine(directory, DecoderManifest.WeightsFileName));
        }
        else
        {
            network.save(weights);
            RemoveHalfPrecision(directory);
        }
        var complete = manifest with
        {
            Representation = network.Spec.Representation.Name,
            Architecture = DecoderArchitecture.Revision,
            ImageSize = network.Spec.ImageSize,
            Width = network.Spec.Width,
            Parameters = network.ParameterCount,
            WeightsSha256 = Sha256(weights),
            RepresentationSettings = new(
                network
                    .Spec.Representation.Settings.Concat(manifest.RepresentationSettings)
                    .GroupBy(kv => kv.Key)
                    .ToDictionary(g => g.Key, g => g.Last().Value)
            ),
        };
        File.WriteAllText(Path.Combine(directory, DecoderManifest.FileName), complete.ToJson());
    }

    /// <summary>
    /// Loads the decoder in <paramref name="directory"/>, resolving its representation in <paramref name="registry"/>
    /// and, when <paramref name="representation"/> is given, requiring that one. The network is moved to
    /// <paramref name="device"/> (the CPU when null).
    /// </summary>
    public static (DecoderNetwork Network, DecoderManifest Manifest) Load(
        string directory,
        RepresentationRegistry registry,
        string? representation = null,
        Device? device = null
    ) => Load(directory, registry, representation, device, autoencoder: false);

    /// <summary>Whether the checkpoint is an autoencoder's decoder (it inverts its own fine-tuned encoder, saved beside
    /// it).</summary>
    public static bool IsAutoencoder(DecoderManifest manifest) =>
        manifest.RepresentationSettings.ContainsKey(EncoderSetting);

    /// <summary>As <see cref="Load(string, RepresentationRegistry, string?, Device?)"/>; with <paramref
    /// name="autoencoder"/> the checkpoint must be an autoencoder's decoder (its encoder is loaded by the caller),
    /// without it must not be.</summary>
    public static (DecoderNetwork Network, DecoderManifest Manifest) Load(
        string directory,
        RepresentationRegistry registry,
        string? representation,
        Device? device,
        bool autoencoder
    )
    {
        var manifest = DecoderManifest.Read(directory);
        representation ??= manifest.Representation;
        if (!string.Equals(manifest.Representation, representation, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException(
                $"{directory}: decoder inverts '{manifest.Representation}', not '{representation}'."
            );
        if (!autoencoder && manifest.RepresentationSettings.TryGetValue(EncoderSetting, out var encoder))
            throw new InvalidDataException(
                $"{directory}: decoder of an autoencoder ({encoder}); it inverts its own fine-tuned encoder, not "
                    + $"{representation} features."
            );
        if (autoencoder && !IsAutoencoder(manifest))
            throw new InvalidDataException(
                $"{directory}: not an autoencoder's decoder (its manifest names no fine-tuned encoder)."
            );
        if (!registry.TryGet(manifest.Representation, out var descriptor))
            throw new InvalidDataException(
                $"{directory}: decoder inverts '{manifest.Representation}', which this process does not offer (known: "
                    + $"{string.Join(", ", registry.Names)})."
            );
        foreach (var (key, value) in descriptor.Settings)
        {
            if (!manifest.RepresentationSettings.TryGetValue(key, out var stored) || stored != value)
                throw new InvalidDataException(
                    $"{directory}: decoder was trained on {representation} with {key}={stored ?? "(unset)"}, features "
                        + $"use {key}={value}."
                );
        }
        string weights = Path.Combine(directory, DecoderManifest.WeightsFileName);
        bool half = !File.Exists(weights) && HalfPrecisionWeights.Exists(directory);
        if (half)
            weights = Path.Combine(directory, HalfPrecisionWeights.IndexFileName);
        if (!File.Exists(weights))
            throw new FileNotFoundException(
                $"{directory}: no {DecoderManifest.WeightsFileName} (nor half-precision weights, "
                    + $"{HalfPrecisionWeights.IndexFileName}).",
                weights
            );
        if (!string.IsNullOrEmpty(manifest.WeightsSha256) && Sha256(weights) != manifest.WeightsSha256)
            throw new InvalidDataException(
                $"{weights}: SHA-256 differs from the manifest; the file is corrupt or replaced."
            );

        var network = new DecoderNetwork(DecoderArchitecture.For(descriptor, manifest.ImageSize, manifest.Width));
        if (half)
            HalfPrecisionWeights.Load(network, directory); // each part checked against the index
        else
            network.load(weights);
        if (device is not null)
            network.to(device);
        return (network, manifest);
    }

    /// <summary>Replaces the evaluation in the checkpoint's manifest (e.g. a shipped decoder measured again on a test
    /// split with sources); weights, training record and digest are kept. The new manifest is written beside the old
    /// and moved over it, so a failure leaves the old one.</summary>
    public static DecoderManifest RecordEvaluation(string directory, EvaluationRecord evaluation)
    {
        var manifest = DecoderManifest.Read(directory) with { Evaluation = evaluation };
        string path = Path.Combine(directory, DecoderManifest.FileName);
        string temporary = path + ".new";
        File.WriteAllText(temporary, manifest.ToJson());
        File.Move(temporary, path, overwrite: true);
        return manifest;
    }

    /// <summary>The checkpoint's mean training image at <paramref name="size"/> pixels (resized when needed), or null
    /// when none is stored.</summary>
    public static float[]? TryLoadMeanImage(string directory, int size)
    {
        string path = Path.Combine(directory, MeanImageFileName);
        if (!File.Exists(path))
            return null;
        var image = ImageFiles.Load(path);
        return (image.Width == size && image.Height == size ? image : ImageFiles.Resize(image, size, size)).Planes;
    }

    private static void RemoveHalfPrecision(string directory)
    {
        if (!HalfPrecisionWeights.Exists(directory))
            return;
        foreach (string part in HalfPrecisionWeights.PartFiles(directory))
            File.Delete(part);
        File.Delete(Path.Combine(directory, HalfPrecisionWeights.IndexFileName));
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
