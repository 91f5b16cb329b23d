using FeatureInversion.Pipeline.Publishing;
using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Tests.Pipeline;

public class TrainingPhotosTests
{
    [Fact]
    public async Task BothSplitsAreListedFirstThenDownloadedFlatWithProgressOverBoth()
    {
        string root = Path.Combine(Path.GetTempPath(), "fi-training-" + Guid.NewGuid().ToString("N"));
        try
        {
            var store = new LocalBlobStore(Path.Combine(root, "blobs"));
            var storage = new StorageOptions();
            await store.EnsureContainersAsync([storage.TrainingContainer]);
            foreach (var name in new[] { "train/a.jpg", "train/trip/b.jpg", "train/c.png", "test/d.jpg" })
                await store.WriteAsync(storage.TrainingContainer, name, new byte[] { 1, 2, 3 }, "image/jpeg", true);
            var photos = new TrainingPhotos(store, storage);

            var listing = await photos.ListAsync();
            var reports = new List<int>();
            var counts = await photos.DownloadAsync(
                Path.Combine(root, "work"),
                listing,
                new SynchronousProgress(reports.Add)
            );

            Assert.Equal(3, counts["train"]);
            Assert.Equal(1, counts["test"]);
            Assert.Equal([1, 2, 3, 4], reports);
            Assert.Equal(
                ["a.jpg", "c.png", "trip_b.jpg"],
                Directory.GetFiles(Path.Combine(root, "work", "train")).Select(Path.GetFileName).Order()
            );
            Assert.True(File.Exists(Path.Combine(root, "work", "test", "d.jpg")));
        }
        finally
        {
            if (Directory.Exists(root))
                Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task AnEmptySplitFailsBeforeAnythingIsDownloaded()
    {
        string root = Path.Combine(Path.GetTempPath(), "fi-training-" + Guid.NewGuid().ToString("N"));
        try
        {
            var store = new LocalBlobStore(Path.Combine(root, "blobs"));
            var storage = new StorageOptions();
            await store.EnsureContainersAsync([storage.TrainingContainer]);
            await store.WriteAsync(storage.TrainingContainer, "train/a.jpg", new byte[] { 1 }, "image/jpeg", true);

            var error = await Assert.ThrowsAsync<IOException>(() => new TrainingPhotos(store, storage).ListAsync());
            Assert.Contains("no test/ photos", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(root))
                Directory.Delete(root, recursive: true);
        }
    }

    // Progress<T> posts to the thread pool; the test wants the reports in order and complete when the call returns.
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
