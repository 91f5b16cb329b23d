using System.Text.Json;
using FeatureInversion.Models;
using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Pipeline;

/// <summary>
/// Published decoder versions in the models container. Publishing uploads weights and manifest under
/// <c>{representation}/{version}/</c> and then moves the <c>latest.json</c> pointer, so readers never see a
/// version whose files are incomplete. New jobs name the newest version; a job keeps the version it was queued with.
/// </summary>
public sealed class ModelRegistry(IBlobStore store, PipelineOptions options)
{
    private sealed record Latest(string Version, DateTimeOffset PublishedUtc);

    /// <summary>Publishes a checkpoint folder (weights.dat + manifest.json); idempotent for the same version.</summary>
    public async Task<DecoderManifest> PublishAsync(string checkpointDirectory, CancellationToken ct = default)
    {
        var manifest = DecoderManifest.Read(checkpointDirectory);
        if (string.IsNullOrWhiteSpace(manifest.Version) || manifest.Version.Contains('/'))
            throw new InvalidDataException($"{checkpointDirectory}: manifest version '{manifest.Version}' cannot name a blob folder.");
        if (!manifest.Version.StartsWith(manifest.Representation, StringComparison.Ordinal))
            throw new InvalidDataException($"{checkpointDirectory}: version '{manifest.Version}' must start with its representation '{manifest.Representation}'.");
        byte[] weights = await File.ReadAllBytesAsync(Path.Combine(checkpointDirectory, DecoderManifest.WeightsFileName), ct);
        await store.WriteAsync(options.ModelsContainer, BlobNames.Weights(manifest.Representation, manifest.Version), weights, ContentTypes.Binary, overwrite: false, ct);
        await store.WriteAsync(options.ModelsContainer, BlobNames.Manifest(manifest.Representation, manifest.Version),
            System.Text.Encoding.UTF8.GetBytes(manifest.ToJson()), ContentTypes.Json, overwrite: false, ct);

        var current = await NewestVersionAsync(manifest.Representation, ct);
        if (current is null || string.CompareOrdinal(current, manifest.Version) != 0)
        {
            var currentManifest = current is null ? null : await ReadManifestAsync(manifest.Representation, current, ct);
            // Only move the pointer forward in time: republishing an older checkpoint does not roll workers back.
            if (currentManifest is null || currentManifest.CreatedUtc <= manifest.CreatedUtc)
            {
                byte[] pointer = JsonSerializer.SerializeToUtf8Bytes(new Latest(manifest.Version, DateTimeOffset.UtcNow));
                await store.WriteAsync(options.ModelsContainer, BlobNames.Latest(manifest.Representation), pointer, ContentTypes.Json, overwrite: true, ct);
            }
        }
        return manifest;
    }

    /// <summary>The newest published version for a representation, or null when none is published.</summary>
    public async Task<string?> NewestVersionAsync(string representation, CancellationToken ct = default)
    {
        var bytes = await store.TryReadAsync(options.ModelsContainer, BlobNames.Latest(representation), ct);
        return bytes is null ? null : JsonSerializer.Deserialize<Latest>(bytes)?.Version;
    }

    public async Task<DecoderManifest?> ReadManifestAsync(string representation, string version, CancellationToken ct = default)
    {
        var bytes = await store.TryReadAsync(options.ModelsContainer, BlobNames.Manifest(representation, version), ct);
        return bytes is null ? null : DecoderManifest.FromJson(System.Text.Encoding.UTF8.GetString(bytes), $"{representation}/{version}");
    }

    /// <summary>Downloads a version into <paramref name="cacheDirectory"/> (once) and returns the folder.</summary>
    public async Task<string> DownloadAsync(string representation, string version, string cacheDirectory, CancellationToken ct = default)
    {
        string dir = Path.Combine(cacheDirectory, representation, version);
        if (File.Exists(Path.Combine(dir, DecoderManifest.FileName))) return dir;
        var manifest = await store.TryReadAsync(options.ModelsContainer, BlobNames.Manifest(representation, version), ct)
            ?? throw new InvalidJobException($"decoder {representation}/{version} is not published in '{options.ModelsContainer}'");
        var weights = await store.TryReadAsync(options.ModelsContainer, BlobNames.Weights(representation, version), ct)
            ?? throw new InvalidJobException($"decoder {representation}/{version} has no weights in '{options.ModelsContainer}'");
        // Staged beside the final folder and moved into place; removed on every failure (a full disk, a concurrent
        // download that won), so failed attempts leave no folders behind.
        string staging = dir + "." + Guid.NewGuid().ToString("N");
        try
        {
            Directory.CreateDirectory(staging);
            await File.WriteAllBytesAsync(Path.Combine(staging, DecoderManifest.WeightsFileName), weights, ct);
            await File.WriteAllBytesAsync(Path.Combine(staging, DecoderManifest.FileName), manifest, ct);
            try { Directory.Move(staging, dir); }
            catch (IOException) when (Directory.Exists(dir)) { }
            return dir;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                try { Directory.Delete(staging, recursive: true); }
                catch (IOException) { }
            }
        }
    }
}
