using FeatureInversion.Analysis.Audit;
using FeatureInversion.Features.Sources;

namespace FeatureInversion.Tests.Analysis;

/// <summary>The audit on the five test photos with the shipped sift-grid decoder: its numbers are well-formed,
/// reproducible, and respond to what the leak holds.</summary>
public class LeakAuditTests
{
    private static readonly string Models = Path.Combine(TestData.Root, "models", "sift-grid-64px-w0.25");

    [Fact]
    public void AuditsEveryPhotoAtEveryFractionAndSaysWhatLeaksInPlainWords()
    {
        var photos = TestData.PhotoNames.Select(n => Path.Combine(TestData.PhotosDirectory, n)).ToList();
        var (network, _) = DecoderCheckpoint.Load(Models, TestData.Representations);
        using (network)
        {
            var mean = DecoderCheckpoint.TryLoadMeanImage(Models, 64)!;
            var leaked = LeakAudit.VlFeatKeypoints(photos);
            var audit = new LeakAudit(network, mean);
            var report = audit.Run(photos, leaked, "VLFeat SIFT keypoints", new AuditOptions([1, 0.1]));
            Assert.Equal((5, 5, 107), (report.Candidates, report.Audited, report.WorkingShortSide));
            Assert.Equal(0.2, report.ChanceTop1);
            var all = report.Levels[0];
            var thinned = report.Levels[1];
            Assert.All(all.Images, i =>
            {
                Assert.InRange(i.PixelRank, 1, 5);
                Assert.Null(i.CnnRank);
                Assert.Equal(107, Math.Min(i.Width, i.Height));
                Assert.InRange(i.ErrorVsMeanImage, 0.1, 2);
                Assert.True(double.IsFinite(i.Ssim));
            });
            Assert.All(thinned.Images.Zip(all.Images), p =>
                Assert.Equal((int)Math.Round(p.Second.Keypoints!.Value * 0.1), p.First.Keypoints)
            );
            Assert.Matches(
                @"^\d of 5 photos re-identified from their VLFeat SIFT keypoints "
                    + @"\(top-1 by 32×32 grayscale correlation; chance: 1 in 5\)",
                report.Verdict
            );
            Assert.Contains("with 10 % of the keypoints kept", report.VerdictAt(thinned).Replace("10%", "10 %"));

            // Reproducible: the same draw of keypoints, the same numbers (to 1e-6: threaded kernels on a loaded host
            // may sum in another order; a different draw moves them by 1e-2 and more). It failed once with exact
            // equality in a full run.
            var again = audit.Run(photos, leaked, "VLFeat SIFT keypoints", new AuditOptions([0.1]));
            Assert.Equal(thinned.Images.Select(i => i.Keypoints), again.Levels[0].Images.Select(i => i.Keypoints));
            foreach (var (first, second) in thinned.Images.Zip(again.Levels[0].Images))
                Assert.Equal(first.ErrorVsMeanImage, second.ErrorVsMeanImage, 1e-6);

            // Descriptors stored at fewer bits: the same keypoints, and at 1 bit less revealed than at 8.
            var coarse = audit.Run(
                photos,
                leaked,
                "VLFeat SIFT keypoints",
                new AuditOptions([], DescriptorBits: [8, 1])
            );
            Assert.Equal([8, 1], coarse.Levels.Select(l => l.Bits!.Value));
            Assert.Equal(all.Images.Select(i => i.Keypoints), coarse.Levels[1].Images.Select(i => i.Keypoints));
            Assert.True(
                coarse.Levels[1].ErrorVsMeanImage > coarse.Levels[0].ErrorVsMeanImage,
                $"{coarse.Levels[1].ErrorVsMeanImage} vs {coarse.Levels[0].ErrorVsMeanImage}"
            );
            Assert.Contains("with descriptors stored at 1 bit per value", coarse.VerdictAt(coarse.Levels[1]));

            // A leak with no keypoints reveals nothing: the reconstructions are the decoder's prior, worse than with
            // them.
            var empty = leaked.ToDictionary(p => p.Key, p => p.Value with { Frames = [] });
            var nothing = audit.Run(photos, empty, "nothing", new AuditOptions([1]));
            Assert.True(
                nothing.Levels[0].ErrorVsMeanImage > all.ErrorVsMeanImage,
                $"{nothing.Levels[0].ErrorVsMeanImage} vs {all.ErrorVsMeanImage}"
            );
        }
    }

    [Fact]
    public void ADenseRepresentationIsAuditedFromEachWholePhotoAtTheWorkingResolution()
    {
        string hog = Path.Combine(TestData.Root, "models", "hog-64px-w0.25");
        var photos = TestData.PhotoNames.Select(n => Path.Combine(TestData.PhotosDirectory, n)).ToList();
        var (network, _) = DecoderCheckpoint.Load(hog, TestData.Representations);
        using (network)
        {
            var audit = new LeakAudit(network, DecoderCheckpoint.TryLoadMeanImage(hog, 64)!);
            var report = audit.RunWholePhotos(photos, "HOG maps", new AuditOptions([1]));
            Assert.Equal((5, 5, 107), (report.Candidates, report.Audited, report.WorkingShortSide));
            var level = Assert.Single(report.Levels);
            var chelsea = level.Images.Single(i => i.Name == "chelsea-451x300.jpg");
            Assert.Equal((160, 104), (chelsea.Width, chelsea.Height)); // 160×107 there, cut to 13 rows of 8-px cells
            Assert.All(level.Images, i =>
            {
                Assert.InRange(i.PixelRank, 1, 5);
                Assert.InRange(i.ErrorVsMeanImage, 0.1, 2);
                Assert.Null(i.Keypoints);
            });
            Assert.StartsWith(
                $"{(int)Math.Round(level.PixelTop1 * 5)} of 5 photos re-identified from their HOG maps",
                report.Verdict
            );
            // a map has no keypoints to thin
            var e = Assert.Throws<ArgumentException>(() =>
                audit.RunWholePhotos(photos, "HOG maps", new AuditOptions([1, 0.5]))
            );
            Assert.Contains("no keypoints to thin", e.Message);
            Assert.Throws<ArgumentException>(() =>
                audit.Run(photos, new Dictionary<string, KeypointSet>(), "none", new AuditOptions([1]))
            );
        }
    }

    [Fact]
    public void PhotosWithoutKeypointsAreCandidatesOnly()
    {
        var photos = TestData.PhotoNames.Select(n => Path.Combine(TestData.PhotosDirectory, n)).ToList();
        var (network, _) = DecoderCheckpoint.Load(Models, TestData.Representations);
        using (network)
        {
            var db = ColmapDatabase.Read(
                Path.Combine(TestData.Root, "tests", "data", "fixtures", "descriptors", "colmap.db")
            );
            var report = new LeakAudit(network, DecoderCheckpoint.TryLoadMeanImage(Models, 64)!).Run(
                photos,
                db.Images.ToDictionary(i => i.Name),
                "COLMAP SIFT",
                new AuditOptions([1])
            );
            Assert.Equal((5, 2), (report.Candidates, report.Audited));
            Assert.Throws<ArgumentException>(() =>
                new LeakAudit(network, new float[3 * 64 * 64]).Run(
                    photos,
                    new Dictionary<string, KeypointSet>(),
                    "none",
                    new AuditOptions([1])
                )
            );
        }
    }
}
