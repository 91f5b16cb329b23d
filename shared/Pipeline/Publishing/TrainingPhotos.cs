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

    /// <summary>The blob names of both splits, listed before anything is downloaded (so that the download can show
    /// how many of how many are done, and an empty split fails before any transfer).</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> ListAsync(CancellationToken ct = default)
    {
        var listing = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var split in Splits)
        {
            var names = await store.ListAsync(storage.TrainingContainer, split + "/", ct);
            if (names.Count == 0)
                throw new IOException($"training container '{storage.TrainingContainer}' has no {split}/ photos");
            listing[split] = names;
        }
        return listing;
    }

    /// <summary>Downloads a <paramref name="listing"/> of <see cref="ListAsync"/> into <paramref name="folder"/>/train
    /// and /test, reporting the number of photos written so far; returns the count per split.</summary>
    public async Task<IReadOnlyDictionary<string, int>> DownloadAsync(
        string folder,
        IReadOnlyDictionary<string, IReadOnlyList<string>> listing,
        IProgress<int>? progress = null,
        CancellationToken ct = default
    )
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        int done = 0;
        foreach (var (split, names) in listing)
        {
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
                progress?.Report(++done);
            }
            counts[split] = names.Count;
        }
        return counts;
    }
}
