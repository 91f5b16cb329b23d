using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Pipeline.Publishing;

/// <summary>
/// The scheduled trainer's input: the photos under <c>train/</c> and <c>test/</c> of the training container
/// (<see cref="StorageOptions.TrainingContainer"/>), copied into two local folders the trainer reads. Nested names
/// are flattened (<c>a/b.jpg</c> → <c>a_b.jpg</c>). An empty split is an error: a decoder trained or evaluated on
/// nothing is not a result.
/// </summary>
public sealed class TrainingPhotos(IBlobStore store, StorageOptions storage)
{
    public static IReadOnlyList<string> Splits { get; } = ["train", "test"];

    /// <summary>Downloads both splits into <paramref name="folder"/>/train and /test; returns the count per
    /// split.</summary>
    public async Task<IReadOnlyDictionary<string, int>> DownloadAsync(string folder, CancellationToken ct = default)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var split in Splits)
        {
            var names = await store.ListAsync(storage.TrainingContainer, split + "/", ct);
            if (names.Count == 0)
                throw new IOException($"training container '{storage.TrainingContainer}' has no {split}/ photos");
            Directory.CreateDirectory(Path.Combine(folder, split));
            foreach (var name in names)
            {
                var bytes = await store.TryReadAsync(storage.TrainingContainer, name, ct)
                    ?? throw new IOException($"{name} vanished during download");
                await File.WriteAllBytesAsync(
                    Path.Combine(folder, split, name[(split.Length + 1)..].Replace('/', '_')),
                    bytes,
                    ct
                );
            }
            counts[split] = names.Count;
        }
        return counts;
    }
}
