using FeatureInversion.Features.Sift;
using FeatureInversion.Features.Sources;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;
using static FeatureInversion.Tests.Features.Sources.DescriptorFixtures;

namespace FeatureInversion.Tests.Features.Sources;

/// <summary>The COLMAP reader against a database COLMAP 3.8 made, and against broken ones.</summary>
public sealed class ColmapDatabaseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("colmap-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ReadsEveryImageOfARealDatabaseWithItsCameraSize()
    {
        var file = ColmapDatabase.Read(Colmap);
        Assert.Empty(file.Refused);
        Assert.Equal(["astronaut-300x300.jpg", "camera-256x256.jpg"], file.Images.Select(i => i.Name).Order());
        var camera = file.Images.Single(i => i.Name == "camera-256x256.jpg");
        Assert.Equal((256, 256, 375), (camera.Width, camera.Height, camera.Frames.Count));
        Assert.Equal(830, file.Images.Single(i => i.Name == "astronaut-300x300.jpg").Frames.Count);
        Assert.All(camera.Frames, f =>
        {
            Assert.InRange(f.X, -0.5f, 255.5f);
            Assert.InRange(f.Angle, 0f, 2 * MathF.PI);
            Assert.Equal(1.0, Math.Sqrt(f.Descriptor.Sum(v => (double)v * v)), 3);
        });
    }

    /// <summary>The conventions: COLMAP runs VLFeat's SIFT, so where it found the same keypoints as this project's
    /// VLFeat-exact detector, position, scale, orientation and descriptor must agree once converted.</summary>
    [Fact]
    public void ConvertedKeypointsAgreeWithVlFeatsOnTheSamePhoto()
    {
        var camera = ColmapDatabase.Read(Colmap).Images.Single(i => i.Name == "camera-256x256.jpg");
        var ours = new SiftDetector().Detect(TestData.LoadGray("camera-256x256.jpg"));
        var pairs = Match(camera.Frames, ours, radius: 0.05);
        Assert.True(pairs.Count >= 40, $"{pairs.Count} keypoints in common");
        Assert.InRange(Median(pairs.Select(p => (double)p.Theirs.Sigma / p.Ours.Sigma)), 0.99, 1.01);
        Assert.InRange(Median(pairs.Select(p => Math.Abs(AngleDifference(p.Theirs.Angle, p.Ours.Angle)))), 0, 0.01);
        Assert.InRange(Median(pairs.Select(p => Cosine(p.Theirs.Descriptor, p.Ours.Descriptor))), 0.999, 1.0);
        // Without the reordering the descriptors would not agree: the test can fail.
        var raw = pairs.Select(p =>
        {
            var d = new float[128];
            DescriptorConventions.ReorderUbc(p.Theirs.Descriptor, d);
            return Cosine(d, p.Ours.Descriptor);
        });
        Assert.True(Median(raw) < 0.9);
    }

    [Fact]
    public void BrokenRowsRefuseTheirImageOnlyAndSayWhy()
    {
        string db = CopyOf(Colmap, _dir);
        Execute(
            db,
            """
            UPDATE keypoints SET cols = 5
            WHERE image_id = (SELECT image_id FROM images WHERE name = 'camera-256x256.jpg');
            """
        );
        var file = ColmapDatabase.Read(db);
        Assert.Equal("astronaut-300x300.jpg", Assert.Single(file.Images).Name);
        Assert.Contains("5 columns", Assert.Single(file.Refused).Reason);

        foreach (
            var (sql, reason) in new[]
            {
                ("UPDATE keypoints SET rows = 2000000000", "2000000000 rows"),
                ("UPDATE keypoints SET data = substr(data, 1, 100)", "need"),
                ("UPDATE descriptors SET rows = rows + 1", "descriptors"),
                ("DELETE FROM descriptors", "no descriptors"),
                ("UPDATE cameras SET width = 0", "size of 0x"),
                ("UPDATE keypoints SET data = zeroblob(length(data))", "no positive scale"),
            }
        )
        {
            db = CopyOf(Colmap, _dir);
            Execute(db, sql);
            var broken = ColmapDatabase.Read(db);
            Assert.Equal(2, broken.Refused.Count);
            Assert.All(broken.Refused, r => Assert.Contains(reason, r.Reason));
        }
    }

    [Fact]
    public void FilesThatAreNoColmapDatabaseAreRefusedWithTheReason()
    {
        var bytes = File.ReadAllBytes(Colmap);
        string cut = Path.Combine(_dir, "cut.db");
        File.WriteAllBytes(cut, bytes[..8192]);
        Assert.Contains(
            "SQLite cannot read it",
            Assert.Throws<InvalidDataException>(() => ColmapDatabase.Read(cut)).Message
        );

        string text = Path.Combine(_dir, "text.db");
        File.WriteAllText(text, "not a database at all");
        Assert.Contains(
            "not a SQLite database",
            Assert.Throws<InvalidDataException>(() => ColmapDatabase.Read(text)).Message
        );

        string other = Path.Combine(_dir, "other.db");
        Execute(other, "CREATE TABLE images (image_id INTEGER PRIMARY KEY, name TEXT)");
        Assert.Contains(
            "no 'cameras' table",
            Assert.Throws<InvalidDataException>(() => ColmapDatabase.Read(other)).Message
        );

        string empty = CopyOf(Colmap, _dir);
        Execute(empty, "DELETE FROM images");
        Assert.Contains(
            "holds no images",
            Assert.Throws<InvalidDataException>(() => ColmapDatabase.Read(empty)).Message
        );
    }

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection(
            new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()
        );
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

/// <summary>The COLMAP-style grid (for decoders of leaked databases) against what COLMAP 3.8 extracted
/// itself.</summary>
public class ColmapEmulationTests(ITestOutputHelper output)
{
    [Fact]
    public void TheColmapSettingsFindWhatColmapFound()
    {
        var colmap = ColmapDatabase.Read(Colmap).Images.Single(i => i.Name == "camera-256x256.jpg");
        var gray = TestData.LoadGray("camera-256x256.jpg");
        var ours = new SiftDetector(
            new SiftOptions
            {
                FirstOctave = -1,
                PeakThreshold = 0.02 / 3 * SiftDetector.IntensityScale,
                EdgeThreshold = 10,
            }
        ).Detect(gray);
        var theirsMatched = Match(colmap.Frames, ours, radius: 0.3);
        var oursMatched = Match(ours, colmap.Frames, radius: 0.3);
        output.WriteLine(
            $"COLMAP {colmap.Frames.Count} keypoints, ours {ours.Count}; {theirsMatched.Count} of COLMAP's matched, "
                + $"{oursMatched.Count} of ours"
        );
        double cosine = Median(
            theirsMatched.Select(p =>
                Cosine(DescriptorConventions.ColmapRoundTrip(p.Ours.Descriptor), p.Theirs.Descriptor)
            )
        );
        output.WriteLine($"descriptor cosine after the round trip: {cosine:F5}");
        Assert.True(
            theirsMatched.Count >= 0.8 * colmap.Frames.Count,
            $"{theirsMatched.Count} of {colmap.Frames.Count}"
        );
        Assert.True(oursMatched.Count >= 0.8 * ours.Count, $"{oursMatched.Count} of {ours.Count}");
        Assert.InRange(cosine, 0.999, 1.0);
        Assert.Equal("sift-grid-colmap", SparseSiftGrid.Colmap().Name);
    }
}
