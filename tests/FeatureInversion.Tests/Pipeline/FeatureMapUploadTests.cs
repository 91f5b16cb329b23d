using FeatureInversion.Imaging.IO;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Gallery;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>Feature maps dropped into the images container (a leaked HOG, LBP or sift-grid .npy of any size) are
/// ingested like photos, reconstructed whole by their representation's decoder and shown without an original.</summary>
public class FeatureMapUploadTests
{
    /// <summary>Local storage and the in-process queue, with the shipped decoders of <paramref name="representations"/>
    /// published.</summary>
    private static async Task<PipelineTestbed> BedAsync(params string[] representations)
    {
        var queue = new InProcessJobQueue();
        var bed = new PipelineTestbed(
            new LocalBlobStore(Path.Combine(Path.GetTempPath(), "fi-mapupload-" + Guid.NewGuid().ToString("N"))),
            queue,
            queue
        );
        await bed.SetUpAsync(representations);
        return bed;
    }

    private static byte[] Npy(float[] data, params int[] shape)
    {
        using var stream = new MemoryStream();
        NpyFile.Write(stream, data, shape);
        return stream.ToArray();
    }

    internal static (byte[] Npy, int Rows, int Cols) WholeHogMap(string photo = "coffee-480x320.jpg")
    {
        // The whole 480×320 photo's HOG, as the features verb writes it: 31 × 40 × 60, not the decoder's 31 × 8 × 8.
        var map = TestData.Representations.Create("hog").Extract(TestData.LoadGray(photo));
        return (Npy(map.Data, map.Shape.Channels, map.Shape.Rows, map.Shape.Cols), map.Shape.Rows, map.Shape.Cols);
    }

    [Fact]
    public async Task AWholeHogMapIsReconstructedWholeAndShownWithoutAnOriginal()
    {
        await using var bed = await BedAsync("hog", "lbp");
        var (store, queue) = (bed.Store, (InProcessJobQueue)bed.Source);
        var (npy, rows, cols) = WholeHogMap();
        var accepted = Assert.IsType<AcceptedUpload>(await bed.UploadAsync("leak/coffee-hog.npy", npy));
        Assert.Equal($"hog map 31 × {rows} × {cols} (float32)", accepted.FeatureFile);
        Assert.Equal((cols * 8, rows * 8), (accepted.Width, accepted.Height));
        Assert.Equal("hog", Assert.Single(accepted.Jobs).Representation); // only the decoder that can read it

        var status = Assert.Single(
            await bed.RunWorkerUntilSettledAsync(["leak/coffee-hog.npy"], TimeSpan.FromMinutes(2))
        );
        Assert.Equal(JobStatus.Done, status.Status);
        var metrics = PipelineJson.Deserialize<ResultMetrics>(
            (
                await store.TryReadAsync(
                    bed.Settings.Storage.ResultsContainer,
                    BlobNames.Metrics("leak", accepted.ImageId, accepted.Jobs[0].DecoderVersion)
                )
            )!
        );
        Assert.Null(metrics.Original); // nothing to score against
        Assert.Null(metrics.NormalizedError);
        Assert.Null(metrics.Psnr);
        var png = (await store.TryReadAsync(bed.Settings.Storage.ResultsContainer, metrics.Reconstruction))!;
        var reconstruction = ImageFiles.Decode(png, metrics.Reconstruction);
        // the whole image the map describes
        Assert.Equal((cols * 8, rows * 8), (reconstruction.Width, reconstruction.Height));

        await bed.Gallery.FlushAsync();
        var report = PipelineJson.Deserialize<BatchReport>(
            (await store.TryReadAsync(bed.Settings.Storage.ResultsContainer, BlobNames.BatchReport("leak")))!
        );
        var row = Assert.Single(report.Rows);
        Assert.Equal(accepted.FeatureFile, row.FeatureFile);
        Assert.Null(row.Results.Single().BaselineError);
        string html = System.Text.Encoding.UTF8.GetString(
            (await store.TryReadAsync(bed.Settings.Storage.ResultsContainer, "leak/index.html"))!
        );
        Assert.Contains("from an uploaded feature file: no original", html);
        Assert.Contains("not scored: no original", html);
    }

    [Fact]
    public async Task MapsNoDecoderCanReadAreRefusedWithTheReason()
    {
        await using var bed = await BedAsync("hog", "lbp");
        var (store, queue) = (bed.Store, (InProcessJobQueue)bed.Source);
        var cases = new (string Name, byte[] Bytes, string Reason)[]
        {
            (
                "keypoints.npy",
                Npy(new float[4 * 132], 4, 132),
                "SIFT keypoints need a sift-grid decoder, and none is published for the configured representations "
                    + "(hog, lbp)"
            ),
            (
                "matrix.npy",
                Npy(new float[4 * 5], 4, 5),
                "must be a feature map C × H × W (as the features verb writes it) or N × 132 SIFT keypoints"
            ),
            (
                "seven.npy",
                Npy(new float[7 * 4 * 4], 7, 4, 4),
                "a 7-channel feature map matches no representation with a published decoder (hog: 31 channels, lbp: "
                    + "58 channels)"
            ),
            (
                "colmap.db",
                File.ReadAllBytes(Path.Combine(TestData.Root, "tests", "data", "fixtures", "descriptors", "colmap.db")),
                "SIFT keypoints need a sift-grid decoder"
            ),
            (
                "nan.npy",
                Npy([.. new float[31 * 2 * 2 - 1], float.NaN], 31, 2, 2),
                "(NaN and infinite values are refused)"
            ),
            ("huge.npy", Npy(new float[31], 31, 1, 1) is var small ? HugeHeader(small) : [], "unreadable .npy file"),
            ("truncated.npy", Npy(new float[31 * 4 * 4], 31, 4, 4)[..100], "unreadable .npy file"),
        };
        foreach (var (name, bytes, reason) in cases)
        {
            var refused = Assert.IsType<RefusedUpload>(await bed.UploadAsync($"bad/{name}", bytes));
            Assert.Contains(reason, refused.Error);
            Assert.StartsWith($"bad/{name}: ", refused.Error);
            Assert.DoesNotContain($"bad/{name}: bad/{name}", refused.Error); // the name once
        }
        Assert.Equal(0, queue.Outstanding); // nothing queued for any of them
    }

    [Fact]
    public async Task OpenCvAndKeypointFilesAreLaidOnTheSiftGridAtTheDecodersWorkingResolutionAndReconstructed()
    {
        await using var bed = await BedAsync("hog", "sift-grid");
        var (store, queue) = (bed.Store, (InProcessJobQueue)bed.Source);
        // OpenCV's SIFT_create output as Python saves it (the fixture made by scripts/make-descriptor-fixtures.sh), and
        // this project's own N × 132 keypoints of a photo.
        byte[] npz = File.ReadAllBytes(
            Path.Combine(TestData.Root, "tests", "data", "fixtures", "descriptors", "opencv-sift.npz")
        );
        string path = Path.Combine(Path.GetTempPath(), "fi-sift-" + Guid.NewGuid().ToString("N") + ".npy");
        FeatureInversion.Features.FeatureExport.Write(
            TestData.Representations,
            "sift",
            Path.Combine(TestData.PhotosDirectory, "chelsea-451x300.jpg"),
            path
        );
        byte[] keypoints = File.ReadAllBytes(path);
        File.Delete(path);
        // COLMAP's feature text (the fixture), and Lowe's .key of our SIFT of a photo.
        byte[] colmapText = File.ReadAllBytes(Features.Sources.DescriptorFixtures.ColmapText);
        var frames = new FeatureInversion.Features.Sift.SiftDetector().Detect(
            TestData.LoadPhoto("coffee-480x320.jpg").ToGray()
        );
        byte[] loweKey = System.Text.Encoding.ASCII.GetBytes(Features.Sources.SiftTextFileTests.LoweKey(frames));
        foreach (
            var (name, bytes, source) in new[]
            {
                ("leak/opencv.npz", npz, "OpenCV"),
                ("leak/chelsea-sift.npy", keypoints, "keypoint"),
                ("leak/camera.txt", colmapText, "text"),
                ("leak/coffee.key", loweKey, "text"),
            }
        )
        {
            var accepted = Assert.IsType<AcceptedUpload>(await bed.UploadAsync(name, bytes));
            Assert.Equal("sift-grid", Assert.Single(accepted.Jobs).Representation);
            Assert.Contains(source, accepted.FeatureFile, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("keypoints of a", accepted.FeatureFile);
            Assert.True(
                Math.Min(accepted.Width, accepted.Height) <= 107,
                $"{name}: {accepted.Width}x{accepted.Height}, above the 64-px decoders' working short side"
            );
        }
        var statuses = await bed.RunWorkerUntilSettledAsync(
            ["leak/opencv.npz", "leak/chelsea-sift.npy", "leak/camera.txt", "leak/coffee.key"],
            TimeSpan.FromMinutes(2)
        );
        Assert.All(statuses, s => Assert.Equal(JobStatus.Done, s.Status));
    }

    [Fact]
    public async Task AColmapDatabaseGivesOneUploadAndOneGalleryRowPerImage()
    {
        await using var bed = await BedAsync("hog", "sift-grid");
        var (store, queue) = (bed.Store, (InProcessJobQueue)bed.Source);
        // Made by COLMAP 3.8 from two test photos (scripts/make-descriptor-fixtures.sh).
        byte[] db = File.ReadAllBytes(
            Path.Combine(TestData.Root, "tests", "data", "fixtures", "descriptors", "colmap.db")
        );
        var expanded = Assert.IsType<ExpandedUpload>(await bed.UploadAsync("leak/database.db", db));
        Assert.Equal(
            ["leak/database.db--astronaut-300x300.jpg", "leak/database.db--camera-256x256.jpg"],
            expanded.Items
        );
        Assert.Empty(expanded.Warnings);

        var statuses = await bed.RunWorkerUntilSettledAsync(
            [.. expanded.Items, "leak/database.db"],
            TimeSpan.FromMinutes(2)
        );
        Assert.All(statuses, s => Assert.Equal(JobStatus.Done, s.Status));
        // the file's status is its images'
        Assert.Equal(2, statuses.Single(s => s.ImageBlob == "leak/database.db").Results.Count);
        await bed.Gallery.FlushAsync();
        var report = PipelineJson.Deserialize<BatchReport>(
            (await store.TryReadAsync(bed.Settings.Storage.ResultsContainer, BlobNames.BatchReport("leak")))!
        );
        // one row per image, none for the file
        Assert.Equal(expanded.Items, report.Rows.Select(r => r.ImageBlob).Order(StringComparer.Ordinal));
        Assert.All(report.Rows, r => Assert.StartsWith("COLMAP database: ", r.FeatureFile));
        Assert.Equal(2, report.Uploads);

        var broken = Assert.IsType<RefusedUpload>(
            await bed.UploadAsync("leak/broken.db", [.. "SQLite format 3\0"u8, .. new byte[200]])
        );
        Assert.StartsWith("leak/broken.db: unreadable COLMAP database: ", broken.Error);
    }

    [Fact]
    public async Task FeatureFilesWithTheirOriginalsBesideThemAreScoredAndReidentifiedAmongTheBatchsPhotos()
    {
        await using var bed = await BedAsync("hog", "sift-grid");
        var store = bed.Store;
        string[] photos = ["astronaut-300x300.jpg", "camera-256x256.jpg", "coffee-480x320.jpg", "rocket-427x285.jpg"];
        foreach (var photo in photos)
            Assert.IsType<AcceptedUpload>(await bed.UploadPhotoAsync("pair", photo));
        // The coffee photo's whole HOG map, named as the photo; a COLMAP database of the astronaut and the camera.
        var map = Assert.IsType<AcceptedUpload>(await bed.UploadAsync("pair/coffee-480x320.npy", WholeHogMap().Npy));
        Assert.Equal("pair/coffee-480x320.jpg", map.Original);
        byte[] db = File.ReadAllBytes(
            Path.Combine(TestData.Root, "tests", "data", "fixtures", "descriptors", "colmap.db")
        );
        var expanded = Assert.IsType<ExpandedUpload>(await bed.UploadAsync("pair/database.db", db));
        // A file with no image of its name beside it stays unscored.
        var alone = Assert.IsType<AcceptedUpload>(
            await bed.UploadAsync("pair/nothing-beside.npy", WholeHogMap("chelsea-451x300.jpg").Npy)
        );
        Assert.Null(alone.Original);

        await bed.RunWorkerUntilSettledAsync(
            [.. photos.Select(p => $"pair/{p}"), map.ImageBlob, alone.ImageBlob, .. expanded.Items],
            TimeSpan.FromMinutes(3)
        );
        await bed.Gallery.FlushAsync();
        var report = PipelineJson.Deserialize<BatchReport>(
            (await store.TryReadAsync(bed.Settings.Storage.ResultsContainer, BlobNames.BatchReport("pair")))!
        );
        var photoIds = report
            .Rows.Where(r => r.FeatureFile is null)
            .ToDictionary(r => BlobNames.FileName(r.ImageBlob), r => r.ImageId!);
        var scored = new Dictionary<string, string>
        {
            ["pair/coffee-480x320.npy"] = "coffee-480x320.jpg",
            ["pair/database.db--astronaut-300x300.jpg"] = "astronaut-300x300.jpg",
            ["pair/database.db--camera-256x256.jpg"] = "camera-256x256.jpg",
        };
        foreach (var (upload, photo) in scored)
        {
            var row = report.Rows.Single(r => r.ImageBlob == upload);
            Assert.Equal($"pair/{photo}", row.Original);
            var cell = Assert.Single(row.Results);
            Assert.Equal(JobStatus.Done, cell.Status);
            // Scored at the reconstruction's size against the photo beside it, with a per-image baseline.
            Assert.InRange(cell.NormalizedError!.Value, 0.01, 3.0);
            Assert.True(cell.BaselineIsPerImage);
            Assert.NotNull(row.Reveal);
            var metrics = PipelineJson.Deserialize<ResultMetrics>(
                (await store.TryReadAsync(bed.Settings.Storage.ResultsContainer, cell.Metrics!))!
            );
            Assert.Equal(photoIds[photo], metrics.Whole!.OriginalImageId); // the same photo as the photo's own row
            var original = ImageFiles.Decode(
                (await store.TryReadAsync(bed.Settings.Storage.ResultsContainer, cell.Whole!.Original!))!,
                "original"
            );
            Assert.Equal((cell.Whole.Width, cell.Whole.Height), (original.Width, original.Height));
            // four candidate photos (one per content), the feature file's own among them
            Assert.Equal(4, cell.Whole.Candidates);
            Assert.InRange(cell.Whole.Rank!.Value, 1, 4);
        }
        var unscored = Assert.Single(report.Rows.Single(r => r.ImageBlob == alone.ImageBlob).Results);
        Assert.Null(unscored.NormalizedError);
        Assert.Null(unscored.Whole!.Rank);

        // Every photo's results are ranked too; the summary states the verdict against chance.
        var sift = report.Representations.Single(r => r.Representation == "sift-grid");
        Assert.Equal(4 + 2, sift.Reidentification!.Ranked);
        Assert.Equal(4, sift.Reidentification.Candidates);
        string html = System.Net.WebUtility.HtmlDecode(
            System.Text.Encoding.UTF8.GetString(
                (await store.TryReadAsync(bed.Settings.Storage.ResultsContainer, "pair/index.html"))!
            )
        );
        Assert.Contains(sift.Reidentification.Verdict("sift-grid"), html);
        Assert.Contains("scored against coffee-480x320.jpg", html);
    }

    /// <summary>A .npy whose header declares far more values than it holds.</summary>
    private static byte[] HugeHeader(byte[] npy)
    {
        string text = System.Text.Encoding.Latin1.GetString(npy);
        return System.Text.Encoding.Latin1.GetBytes(text.Replace("(31, 1, 1)", "(31, 99999, 99999)"));
    }
}
