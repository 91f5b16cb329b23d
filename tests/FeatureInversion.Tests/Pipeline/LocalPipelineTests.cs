using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Publishing;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>The pipeline on the embedded default: local folders and the in-process queue.</summary>
public class LocalPipelineTests
{
    private static (LocalBlobStore Store, InProcessJobQueue Queue) Local() =>
        (
            new LocalBlobStore(Path.Combine(Path.GetTempPath(), "fi-local-" + Guid.NewGuid().ToString("N"))),
            new InProcessJobQueue()
        );

    [Fact]
    public async Task ADecoderThatGivesNaNFailsItsJobsWithAReasonAndWritesNoResult()
    {
        var (store, queue) = Local();
        await using var bed = new PipelineTestbed(store, queue, queue);
        bed.Settings.Ingestion.Representations = ["hog"];
        await store.EnsureContainersAsync([
            bed.Settings.Storage.ImagesContainer,
            bed.Settings.Storage.FeaturesContainer,
            bed.Settings.Storage.ResultsContainer,
            bed.Settings.Storage.ModelsContainer,
        ]);
        // The shipped HOG decoder with one output bias set to NaN: every reconstruction it makes is non-finite.
        string broken = Path.Combine(Path.GetTempPath(), "fi-nan-decoder-" + Guid.NewGuid().ToString("N"));
        var (network, manifest) = FeatureInversion.Decoders.DecoderCheckpoint.Load(
            PipelineTestbed.ShippedModel("hog"),
            TestData.Representations
        );
        using (network)
        {
            using (TorchSharp.torch.no_grad())
                network.named_parameters().Single(p => p.name == $"layers.{network.Spec.Output.Name}.bias").parameter[
                    1
                ] = float.NaN;
            FeatureInversion.Decoders.DecoderCheckpoint.Save(
                network,
                manifest with
                {
                    Version = "hog-64px-w0.25-20260101T000000Z",
                },
                broken
            );
        }
        await bed.Registry.PublishAsync(broken);
        Assert.IsType<AcceptedUpload>(await bed.UploadPhotoAsync("nan", "camera-256x256.jpg"));

        var statuses = await bed.RunWorkerUntilSettledAsync(["nan/camera-256x256.jpg"], TimeSpan.FromMinutes(2));
        var result = Assert.Single(Assert.Single(statuses).Results);
        Assert.Equal(JobStatus.Failed, result.Status);
        Assert.Contains("not finite", result.Error);
        Assert.DoesNotContain((await store.ListAsync(bed.Settings.Storage.ResultsContainer, "nan/")), n =>
            n.EndsWith("Z.json", StringComparison.Ordinal)
        );
        await bed.Gallery.FlushAsync();
        var report = PipelineJson.Deserialize<FeatureInversion.Pipeline.Gallery.BatchReport>(
            (await store.TryReadAsync(bed.Settings.Storage.ResultsContainer, BlobNames.BatchReport("nan")))!
        );
        Assert.Equal((0, 1), (report.Representations.Single().Done, report.Representations.Single().Failed));
        Directory.Delete(broken, recursive: true);
    }

    [Fact]
    public async Task EveryImageGetsOneResultPerRepresentationAndBadUploadsARecordedReason()
    {
        var (store, queue) = Local();
        await using var bed = new PipelineTestbed(store, queue, queue);
        await bed.SetUpAsync("hog", "lbp");
        string[] photos = ["camera-256x256.jpg", "coffee-480x320.jpg", "rocket-427x285.jpg"];
        foreach (var p in photos)
            Assert.IsType<AcceptedUpload>(await bed.UploadPhotoAsync("b1", p));
        byte[] jpeg = File.ReadAllBytes(Path.Combine(TestData.PhotosDirectory, "chelsea-451x300.jpg"));
        var truncated = await bed.UploadAsync("b1/truncated.jpg", jpeg[..(jpeg.Length / 3)]);
        var text = await bed.UploadAsync("b1/notes.txt", "not an image"u8.ToArray());
        Assert.IsType<RefusedUpload>(truncated);
        Assert.Contains("notes.txt", Assert.IsType<RefusedUpload>(text).Error);

        var statuses = await bed.RunWorkerUntilSettledAsync(
            photos.Select(p => $"b1/{p}").Append("b1/truncated.jpg").Append("b1/notes.txt"),
            TimeSpan.FromMinutes(2)
        );
        var done = statuses.Where(s => s.Status == JobStatus.Done).ToList();
        Assert.Equal(3, done.Count);
        Assert.All(done, s => Assert.Equal(["hog", "lbp"], s.Results.Select(r => r.Representation).Order()));
        Assert.Equal(2, statuses.Count(s => s.Status == JobStatus.Failed && s.Error is not null));

        var metrics = (await store.ListAsync(bed.Settings.Storage.ResultsContainer, "b1/"))
            .Where(n => n.EndsWith("Z.json", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(6, metrics.Count);
        foreach (var name in metrics)
        {
            var m = System.Text.Json.JsonSerializer.Deserialize<ResultMetrics>(
                (await store.TryReadAsync(bed.Settings.Storage.ResultsContainer, name))!,
                System.Text.Json.JsonSerializerOptions.Web
            )!;
            Assert.InRange(m.NormalizedError!.Value, 0.01, 2.0);
            Assert.InRange(m.ColorGain!.Value, -1.0, 1.0);
            Assert.True(await store.ExistsAsync(bed.Settings.Storage.ResultsContainer, m.Reconstruction));
        }
        Assert.Empty(queue.DeadLetters);

        await bed.Gallery.FlushAsync();
        string html = System.Text.Encoding.UTF8.GetString(
            (await store.TryReadAsync(bed.Settings.Storage.ResultsContainer, "b1/index.html"))!
        );
        Assert.Contains("refused", html);
        var report = PipelineJson.Deserialize<FeatureInversion.Pipeline.Gallery.BatchReport>(
            (await store.TryReadAsync(bed.Settings.Storage.ResultsContainer, BlobNames.BatchReport("b1")))!
        );
        Assert.Equal((5, 2), (report.Uploads, report.Refused));
        int accepted = report.Uploads - report.Refused;
        foreach (var row in report.Rows.Where(r => r.Status == UploadStatus.Accepted))
        {
            // the whole photo, beside the decoder's crop
            Assert.True(await store.ExistsAsync(bed.Settings.Storage.ResultsContainer, row.Thumbnail!));
            foreach (var cell in row.Results)
            {
                // The shipped decoders publish their mean image: each result has its own baseline, and a feature view.
                Assert.True(cell.BaselineIsPerImage);
                Assert.InRange(cell.BaselineError!.Value, 0.05, 3.0);
                Assert.True(await store.ExistsAsync(bed.Settings.Storage.ResultsContainer, cell.FeatureEnergy!));
                // The whole photo decoded beside the crop, scored against the photo at its size and ranked among the
                // batch's accepted photos.
                var whole = cell.Whole!;
                Assert.True(await store.ExistsAsync(bed.Settings.Storage.ResultsContainer, whole.Reconstruction));
                Assert.True(await store.ExistsAsync(bed.Settings.Storage.ResultsContainer, whole.Original!));
                Assert.InRange(whole.ErrorRatio!.Value, 0.05, 3.0);
                Assert.InRange(whole.Ssim!.Value, -1, 1);
                Assert.Equal(accepted, whole.Candidates);
                Assert.InRange(whole.Rank!.Value, 1, accepted);
            }
        }
        Assert.All(report.Representations, s => Assert.Equal(accepted, s.Reidentification!.Ranked));
        // from the decoders' manifests
        Assert.All(report.Representations, s => Assert.InRange(s.TestSetError!.Value, 0.1, 1.5));
    }

    [Fact]
    public async Task ARefiredTriggerAndARedeliveredJobDoNotDuplicateResults()
    {
        var (store, queue) = Local();
        await using var bed = new PipelineTestbed(store, queue, queue);
        await bed.SetUpAsync("hog");
        var first = Assert.IsType<AcceptedUpload>(await bed.UploadPhotoAsync("b2", "camera-256x256.jpg"));
        // blob trigger fires twice for one upload
        var again = Assert.IsType<AcceptedUpload>(await bed.UploadPhotoAsync("b2", "camera-256x256.jpg"));
        Assert.Equal(first.ImageId, again.ImageId);
        Assert.Equal(first.Jobs.Select(j => j.JobId), again.Jobs.Select(j => j.JobId));
        Assert.Equal(2, queue.Outstanding); // the in-process queue has no duplicate detection, like storage queues

        await bed.RunWorkerUntilSettledAsync(["b2/camera-256x256.jpg"], TimeSpan.FromMinutes(1));
        await queue.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var names = await store.ListAsync(bed.Settings.Storage.ResultsContainer, $"b2/{first.ImageId}/");
        Assert.Single(names, n => n.EndsWith("Z.png", StringComparison.Ordinal));
        Assert.Single(names, n => n.EndsWith("Z.whole.png", StringComparison.Ordinal));
        Assert.Single(names, n => n.EndsWith("Z.json", StringComparison.Ordinal));
        // the centre square's features and the whole photo's, once each
        Assert.Equal(
            [first.Jobs[0].FeaturesBlob, first.Jobs[0].WholeFeaturesBlob!],
            (await store.ListAsync(bed.Settings.Storage.FeaturesContainer, first.ImageId))
                .Order(StringComparer.Ordinal)
                .Reverse()
        );
    }

    [Fact]
    public async Task WithWholeImagesOffOnlyTheCentreSquareIsDecoded()
    {
        var (store, queue) = Local();
        var settings = new PipelineSettings { Ingestion = new() { WholeImages = false } };
        await using var bed = new PipelineTestbed(store, queue, queue, settings);
        await bed.SetUpAsync("hog");
        var record = Assert.IsType<AcceptedUpload>(await bed.UploadPhotoAsync("nw", "rocket-427x285.jpg"));
        Assert.Null(Assert.Single(record.Jobs).WholeFeaturesBlob);
        await bed.RunWorkerUntilSettledAsync(["nw/rocket-427x285.jpg"], TimeSpan.FromMinutes(1));
        var metrics = PipelineJson.Deserialize<ResultMetrics>(
            (
                await store.TryReadAsync(
                    bed.Settings.Storage.ResultsContainer,
                    BlobNames.Metrics("nw", record.ImageId, record.Jobs[0].DecoderVersion)
                )
            )!
        );
        Assert.NotNull(metrics.NormalizedError);
        Assert.Null(metrics.Whole);
        Assert.DoesNotContain(
            await store.ListAsync(bed.Settings.Storage.ResultsContainer, $"nw/{record.ImageId}/"),
            n => n.Contains("whole", StringComparison.Ordinal)
        );
    }

    [Fact]
    public async Task AJobWithCorruptFeaturesIsDeadLetteredWithAFailureRecord()
    {
        var (store, queue) = Local();
        await using var bed = new PipelineTestbed(store, queue, queue);
        await bed.SetUpAsync("hog");
        var record = Assert.IsType<AcceptedUpload>(await bed.UploadPhotoAsync("b3", "rocket-427x285.jpg"));
        await store.WriteAsync(
            bed.Settings.Storage.FeaturesContainer,
            record.Jobs[0].FeaturesBlob,
            "garbage"u8.ToArray(),
            ContentTypes.Binary,
            overwrite: true
        );

        var status = Assert.Single(
            await bed.RunWorkerUntilSettledAsync(["b3/rocket-427x285.jpg"], TimeSpan.FromMinutes(1))
        );
        Assert.Equal(JobStatus.Failed, status.Status);
        Assert.Contains("unreadable", status.Results[0].Error);
        var (_, reason) = Assert.Single(queue.DeadLetters);
        Assert.Contains("unreadable", reason);
    }

    [Fact]
    public async Task HalfPrecisionCheckpointsAreNotPublished()
    {
        var (store, _) = Local();
        var registry = new ModelRegistry(store, new StorageOptions());
        string half = Path.Combine(Path.GetTempPath(), "fi-half-publish-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (network, manifest) = FeatureInversion.Decoders.DecoderCheckpoint.Load(
                PipelineTestbed.ShippedModel("hog"),
                TestData.Representations
            );
            using (network)
                FeatureInversion.Decoders.DecoderCheckpoint.Save(network, manifest, half, halfPartBytes: 1 << 20);
            var e = await Assert.ThrowsAsync<InvalidDataException>(() => registry.PublishAsync(half));
            Assert.Contains("half-precision weights in parts", e.Message);
            Assert.Null(await registry.NewestVersionAsync("hog", 64));
        }
        finally
        {
            Directory.Delete(half, recursive: true);
        }
    }

    [Fact]
    public async Task NewJobsUseTheNewestPublishedDecoder()
    {
        var (store, _) = Local();
        var registry = new ModelRegistry(store, new StorageOptions());
        string shipped = PipelineTestbed.ShippedModel("hog");
        var manifest = FeatureInversion.Models.DecoderManifest.Read(shipped);
        await registry.PublishAsync(shipped);
        Assert.Equal(manifest.Version, await registry.NewestVersionAsync("hog", 64));

        // A retrained version (same weights, later timestamp) becomes the newest; republishing the old one does not
        // roll back.
        var next = manifest with
        {
            Version = "hog-64px-w0.25-29990101T000000Z",
            CreatedUtc = manifest.CreatedUtc.AddDays(1),
        };
        Assert.True((await registry.PublishAsync(PipelineTestbed.Republished(shipped, next))).Promoted);
        var rollback = await registry.PublishAsync(shipped);
        Assert.False(rollback.Promoted);
        Assert.Contains("older than the latest", rollback.Reason);
        Assert.Equal(next.Version, await registry.NewestVersionAsync("hog", 64));
        Assert.Null(await registry.NewestVersionAsync("lbp", 64));

        // The quality gate: a later but worse decoder on the same test set is published, not promoted; --force promotes
        // it.
        var worse = PipelineTestbed.Republished(
            shipped,
            next with
            {
                Version = "hog-64px-w0.25-29990102T000000Z",
                CreatedUtc = next.CreatedUtc.AddDays(1),
                Evaluation = next.Evaluation! with { NormalizedError = next.Evaluation.NormalizedError + 0.01 },
            }
        );
        var gated = await registry.PublishAsync(worse);
        Assert.False(gated.Promoted);
        Assert.Contains("worse than the latest", gated.Reason);
        Assert.Equal(next.Version, await registry.NewestVersionAsync("hog", 64));
        // published all the same
        Assert.NotNull(await registry.ReadManifestAsync("hog", "hog-64px-w0.25-29990102T000000Z"));
        var otherTestSet = PipelineTestbed.Republished(
            shipped,
            next with
            {
                Version = "hog-64px-w0.25-29990103T000000Z",
                CreatedUtc = next.CreatedUtc.AddDays(2),
                Evaluation = next.Evaluation with { TestImages = 7, NormalizedError = 0.1 },
            }
        );
        Assert.Contains("another test set", (await registry.PublishAsync(otherTestSet)).Reason);
        Assert.True((await registry.PublishAsync(otherTestSet, force: true)).Promoted);
        Assert.Equal("hog-64px-w0.25-29990103T000000Z", await registry.NewestVersionAsync("hog", 64));
    }

    [Fact]
    public async Task EverySeededSizeIsPromotedAndIngestionServesTheLargestUpToItsSize()
    {
        // Issue 24: seeded with the shipped 64-px decoders, the 128-px retrain was refused for ever ("128px against
        // 64px"). Each size now has its own pointer and the gate compares like with like.
        var (store, queue) = Local();
        await using var bed = new PipelineTestbed(store, queue, queue);
        await bed.SetUpAsync("hog", "lbp");
        string hog128 = Directory.GetDirectories(Path.Combine(TestData.Root, "models", "128px"), "hog-*").Single();
        var seeded = await bed.Registry.PublishAsync(hog128);
        Assert.True(seeded.Promoted, seeded.Reason);
        string hog64 = FeatureInversion.Models.DecoderManifest.Read(PipelineTestbed.ShippedModel("hog")).Version;
        string lbp64 = FeatureInversion.Models.DecoderManifest.Read(PipelineTestbed.ShippedModel("lbp")).Version;
        Assert.Equal(hog64, await bed.Registry.NewestVersionAsync("hog", 64));
        Assert.Equal(seeded.Manifest.Version, await bed.Registry.ServedVersionAsync("hog", 128));
        Assert.Equal(lbp64, await bed.Registry.ServedVersionAsync("lbp", 128)); // no 128-px LBP yet
        Assert.Equal(hog64, await bed.Registry.ServedVersionAsync("hog", 64));

        // The scheduled 128-px retrain of LBP is the first at its size: promoted, served at 128, 64 px unchanged.
        var lbp = FeatureInversion.Models.DecoderManifest.Read(PipelineTestbed.ShippedModel("lbp"));
        var retrained = PipelineTestbed.Republished(
            PipelineTestbed.ShippedModel("lbp"),
            lbp with
            {
                Version = "lbp-128px-w0.5-29990101T000000Z",
                ImageSize = 128,
                CreatedUtc = lbp.CreatedUtc.AddDays(1),
            }
        );
        Assert.Equal("first version", (await bed.Registry.PublishAsync(retrained)).Reason);
        Assert.Equal("lbp-128px-w0.5-29990101T000000Z", await bed.Registry.ServedVersionAsync("lbp", 128));
        Assert.Equal(lbp64, await bed.Registry.ServedVersionAsync("lbp", 64));

        // Ingestion configured for 128 px queues the 128-px HOG decoder's job.
        bed.Settings.Ingestion.DecoderSize = 128;
        bed.Settings.Ingestion.Representations = ["hog"];
        var upload = Assert.IsType<AcceptedUpload>(await bed.UploadPhotoAsync("sizes", "camera-256x256.jpg"));
        Assert.Equal(seeded.Manifest.Version, Assert.Single(upload.Jobs).DecoderVersion);
    }
}
