using System.Text.Json;
using FeatureInversion.Models;
using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Pipeline.Publishing;

/// <summary>What publishing did: the version, whether it became the latest, and why (or why not).</summary>
public sealed record PublishResult(DecoderManifest Manifest, bool Promoted, string Reason);

/// <summary>
/// Published decoder versions in the models container. Publishing uploads weights and manifest under
/// <c>{representation}/{version}/</c> and then, if the version passes the quality gate, moves the pointer of its image
/// size (<c>latest-{size}px.json</c>), so readers never see a version whose files are incomplete. New jobs name the
/// version ingestion serves (<see cref="ServedVersionAsync"/>); a job keeps the version it was queued with.
/// </summary>
public sealed class ModelRegistry(IBlobStore store, StorageOptions storage)
{
    private sealed record Latest(string Version, DateTimeOffset PublishedUtc);

    /// <summary>
    /// Publishes a checkpoint folder (weights.dat + manifest.json; idempotent for the same version) and promotes it to
    /// its size's latest pointer only through the quality gate (<see cref="PromotionRefusal"/>): a retrained decoder
    /// that is worse on the same test set than the current latest is published but not promoted, with the reason
    /// returned (and logged by the callers). <paramref name="force"/> promotes anyway (an operator's decision, e.g. a
    /// new test set).
    /// </summary>
    public async Task<PublishResult> PublishAsync(
        string checkpointDirectory,
        bool force = false,
        CancellationToken ct = default
    )
    {
        var manifest = DecoderManifest.Read(checkpointDirectory);
        if (string.IsNullOrWhiteSpace(manifest.Version) || manifest.Version.Contains('/'))
            throw new InvalidDataException(
                $"{checkpointDirectory}: manifest version '{manifest.Version}' cannot name a blob folder."
            );
        if (!manifest.Version.StartsWith(manifest.Representation, StringComparison.Ordinal))
            throw new InvalidDataException(
                $"{checkpointDirectory}: version '{manifest.Version}' must start with its representation "
                    + $"'{manifest.Representation}'."
            );
        string weightsPath = Path.Combine(checkpointDirectory, DecoderManifest.WeightsFileName);
        if (
            !File.Exists(weightsPath)
            && File.Exists(Path.Combine(checkpointDirectory, DecoderManifest.HalfWeightsIndexFileName))
        )
            throw new InvalidDataException(
                $"{checkpointDirectory}: half-precision weights in parts (a checkpoint brought back from a GPU "
                    + "machine) are not published; resume it with train --resume, which saves full precision."
            );
        byte[] weights = await File.ReadAllBytesAsync(weightsPath, ct);
        await store.WriteAsync(
            storage.ModelsContainer,
            BlobNames.Weights(manifest.Representation, manifest.Version),
            weights,
            ContentTypes.Binary,
            overwrite: false,
            ct
        );
        string meanImage = Path.Combine(checkpointDirectory, DecoderManifest.MeanImageFileName);
        if (File.Exists(meanImage))
            await store.WriteAsync(
                storage.ModelsContainer,
                BlobNames.MeanImage(manifest.Representation, manifest.Version),
                await File.ReadAllBytesAsync(meanImage, ct),
                ContentTypes.Png,
                overwrite: false,
                ct
            );
        // The manifest last: a version with a manifest has all its files.
        await store.WriteAsync(
            storage.ModelsContainer,
            BlobNames.Manifest(manifest.Representation, manifest.Version),
            System.Text.Encoding.UTF8.GetBytes(manifest.ToJson()),
            ContentTypes.Json,
            overwrite: false,
            ct
        );

        var current = await NewestVersionAsync(manifest.Representation, manifest.ImageSize, ct);
        if (current == manifest.Version)
            return new PublishResult(manifest, true, "already the latest version");
        var currentManifest = current is null ? null : await ReadManifestAsync(manifest.Representation, current, ct);
        string? refusal = force ? null : PromotionRefusal(manifest, currentManifest);
        if (refusal is not null)
            return new PublishResult(manifest, false, refusal);
        byte[] pointer = JsonSerializer.SerializeToUtf8Bytes(new Latest(manifest.Version, DateTimeOffset.UtcNow));
        await store.WriteAsync(
            storage.ModelsContainer,
            BlobNames.Latest(manifest.Representation, manifest.ImageSize),
            pointer,
            ContentTypes.Json,
            overwrite: true,
            ct
        );
        return new PublishResult(
            manifest,
            true,
            currentManifest is null ? "first version"
                : force ? $"forced over {current}"
                : $"no worse than {current}"
        );
    }

    /// <summary>
    /// The quality gate: why <paramref name="candidate"/> may not replace <paramref name="latest"/>, or null. It may
    /// not when it is older (republishing must not roll workers back), when its test error is higher than the latest's
    /// on the same test set (same number of test crops and the same mean distance between them, which pins the crops),
    /// or when the two cannot be compared (no evaluation, another image size, another test set).
    /// </summary>
    public static string? PromotionRefusal(DecoderManifest candidate, DecoderManifest? latest)
    {
        if (latest is null)
            return null;
        if (candidate.CreatedUtc < latest.CreatedUtc)
            return $"older than the latest {latest.Version}";
        if (candidate.Evaluation is not { } c || latest.Evaluation is not { } l)
            return $"not comparable with {latest.Version}: a manifest has no test evaluation";
        if (candidate.ImageSize != latest.ImageSize)
            return $"not comparable with {latest.Version}: {candidate.ImageSize}px against {latest.ImageSize}px";
        bool sameTestSet =
            c.TestImages == l.TestImages
            && Math.Abs(c.MeanPairwiseDistance - l.MeanPairwiseDistance) <= 1e-6 * Math.Max(1, l.MeanPairwiseDistance);
        if (!sameTestSet)
            return $"not comparable with {latest.Version}: evaluated on another test set ({c.TestImages} crops, N = "
                + $"{c.MeanPairwiseDistance:F4} against {l.TestImages}, {l.MeanPairwiseDistance:F4})";
        if (c.NormalizedError > l.NormalizedError)
            return $"test error {c.NormalizedError:F4} is worse than the latest {latest.Version}'s "
                + $"{l.NormalizedError:F4}";
        return null;
    }

    /// <summary>The newest promoted version of a representation's decoder at one image size, or null when none
    /// is.</summary>
    public async Task<string?> NewestVersionAsync(string representation, int imageSize, CancellationToken ct = default)
    {
        var bytes = await store.TryReadAsync(storage.ModelsContainer, BlobNames.Latest(representation, imageSize), ct);
        return bytes is null ? null : JsonSerializer.Deserialize<Latest>(bytes)?.Version;
    }

    /// <summary>
    /// The version new uploads are reconstructed with: the newest promoted decoder at <paramref name="imageSize"/>,
    /// else at the largest smaller size that has one (a deployment serving 128 px uses the seeded 64-px decoders of the
    /// representations that have no 128-px one yet, until a retrain promotes one), or null when none is promoted.
    /// </summary>
    public async Task<string?> ServedVersionAsync(string representation, int imageSize, CancellationToken ct = default)
    {
        foreach (int size in DecoderArchitecture.ImageSizes.Where(s => s <= imageSize).OrderDescending())
            if (await NewestVersionAsync(representation, size, ct) is { } version)
                return version;
        return null;
    }

    public async Task<DecoderManifest?> ReadManifestAsync(
        string representation,
        string version,
        CancellationToken ct = default
    )
    {
        var bytes = await store.TryReadAsync(storage.ModelsContainer, BlobNames.Manifest(representation, version), ct);
        return bytes is null
            ? null
            : DecoderManifest.FromJson(System.Text.Encoding.UTF8.GetString(bytes), $"{representation}/{version}");
    }

    /// <summary>Downloads a version into <paramref name="cacheDirectory"/> (once) and returns the folder.</summary>
    public async Task<string> DownloadAsync(
        string representation,
        string version,
        string cacheDirectory,
        CancellationToken ct = default
    )
    {
        string dir = Path.Combine(cacheDirectory, representation, version);
        if (File.Exists(Path.Combine(dir, DecoderManifest.FileName)))
            return dir;
        var manifest = await store.TryReadAsync(
            storage.ModelsContainer,
            BlobNames.Manifest(representation, version),
            ct
        )
            ?? throw new InvalidJobException(
                $"decoder {representation}/{version} is not published in '{storage.ModelsContainer}'"
            );
        var weights = await store.TryReadAsync(storage.ModelsContainer, BlobNames.Weights(representation, version), ct)
            ?? throw new InvalidJobException(
                $"decoder {representation}/{version} has no weights in '{storage.ModelsContainer}'"
            );
        // Staged beside the final folder and moved into place; removed on every failure (a full disk, a concurrent
        // download that won), so failed attempts leave no folders behind.
        string staging = dir + "." + Guid.NewGuid().ToString("N");
        try
        {
            Directory.CreateDirectory(staging);
            await File.WriteAllBytesAsync(Path.Combine(staging, DecoderManifest.WeightsFileName), weights, ct);
            if (
                await store.TryReadAsync(storage.ModelsContainer, BlobNames.MeanImage(representation, version), ct) is
                { } mean
            )
                await File.WriteAllBytesAsync(Path.Combine(staging, DecoderManifest.MeanImageFileName), mean, ct);
            await File.WriteAllBytesAsync(Path.Combine(staging, DecoderManifest.FileName), manifest, ct);
            try
            {
                Directory.Move(staging, dir);
            }
            catch (IOException) when (Directory.Exists(dir)) { }
            return dir;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                try
                {
                    Directory.Delete(staging, recursive: true);
                }
                catch (IOException) { }
            }
        }
    }
}
