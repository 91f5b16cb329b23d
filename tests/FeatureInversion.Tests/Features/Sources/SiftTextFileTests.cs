using System.Globalization;
using System.Text;
using FeatureInversion.Features.Sift;
using FeatureInversion.Features.Sources;

namespace FeatureInversion.Tests.Features.Sources;

/// <summary>
/// Lowe's .key and COLMAP's feature text (<see cref="SiftTextFile"/>). The COLMAP layout is checked against COLMAP
/// itself: the text file (written from the database COLMAP's extractor made) must read as the database COLMAP's
/// `feature_importer` makes from it. Lowe's layout, which no tool here writes, is checked as VLFeat's vl_ubcread
/// defines it, by writing our own SIFT in it and reading it back.
/// </summary>
public sealed class SiftTextFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fi-sifttext-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ColmapFeatureTextReadsAsTheDatabaseColmapImportsFromIt()
    {
        Assert.Equal(SiftTextFile.SourceName, DescriptorFiles.Kind(DescriptorFixtures.ColmapText));
        var text = Assert.Single(DescriptorFiles.Read(DescriptorFixtures.ColmapText, (256, 256)).Images);
        var imported = Assert.Single(ColmapDatabase.Read(DescriptorFixtures.ColmapImported).Images);
        Assert.Equal(imported.Frames.Count, text.Frames.Count);
        Assert.True(text.Frames.Count > 100);
        for (int i = 0; i < text.Frames.Count; i++)
        {
            var (t, c) = (text.Frames[i], imported.Frames[i]);
            Assert.Equal(c.X, t.X, 1e-4f);
            Assert.Equal(c.Y, t.Y, 1e-4f);
            Assert.Equal(c.Sigma, t.Sigma, 1e-4f);
            Assert.True(DescriptorFixtures.AngleDifference(c.Angle, t.Angle) is > -1e-4 and < 1e-4);
            Assert.Equal(c.Descriptor, t.Descriptor);
        }
        // And as the extractor's own database reads for that photo.
        var original = ColmapDatabase
            .Read(DescriptorFixtures.Colmap)
            .Images.Single(i => i.Name == "camera-256x256.jpg");
        Assert.Equal(original.Frames.Select(f => f.Descriptor), text.Frames.Select(f => f.Descriptor));
        Assert.Contains(text.Notes, n => n.Contains("L1-root", StringComparison.Ordinal));
    }

    [Fact]
    public void LoweKeyFilesReadAsVlUbcreadDefinesThem()
    {
        string photo = Path.Combine(TestData.PhotosDirectory, "camera-256x256.jpg");
        var ours = new SiftDetector().Detect(ImageFiles.LoadGray(photo));
        string key = Path.Combine(_dir, "camera.key");
        File.WriteAllText(key, LoweKey(ours));
        Assert.Equal(SiftTextFile.SourceName, DescriptorFiles.Kind(key));

        var read = Assert.Single(DescriptorFiles.Read(key, (256, 256)).Images);
        Assert.Equal(ours.Count, read.Frames.Count);
        Assert.Contains(SiftTextFile.LoweLayout, read.Source);
        for (int i = 0; i < ours.Count; i++)
        {
            var (o, r) = (ours[i], read.Frames[i]);
            Assert.Equal(o.X, r.X, 1e-3f);
            Assert.Equal(o.Y, r.Y, 1e-3f);
            Assert.Equal(o.Sigma, r.Sigma, 1e-3f);
            Assert.True(DescriptorFixtures.AngleDifference(o.Angle, r.Angle) is > -1e-4 and < 1e-4, $"{i}");
            // ×512 rounded to integers, as Lowe's files hold them
            Assert.True(Cosine(o.Descriptor, r.Descriptor) > 0.999, $"keypoint {i}");
        }
        // Without a size, the keypoints' extent, said.
        var unsized = Assert.Single(DescriptorFiles.Read(key).Images);
        Assert.Contains(unsized.Notes, n => n.Contains("extent", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("2 64\n", "must be 'N 128'")]
    [InlineData("1 128\n1 2 3\n", "has 3 numbers")]
    [InlineData("2 128\n1 2 3 0.5\nD\n", "ends inside keypoint 2")]
    [InlineData("1 128\n1 2 NaN 0.5\nD\n", "'NaN' is not a finite number")]
    [InlineData("1 128\n1 2 -1 0.5\nD\n", "scale -1")]
    [InlineData("1 128\n1 2 3 0.5 D\n1 2 3 0.5\nD\n", "more lines than the 1 keypoints")]
    [InlineData("1 128\n1 2 3 0.5\n256 D\n", "has 129 descriptor values")]
    public void BrokenFilesAreRefusedWithTheReason(string text, string reason)
    {
        // D: a descriptor's 128 values
        string path = Path.Combine(_dir, "broken.key");
        File.WriteAllText(path, text.Replace("D", string.Join(" ", Enumerable.Repeat("1", 128))));
        var e = Assert.Throws<InvalidDataException>(() => SiftTextFile.Read(path, (64, 64)));
        Assert.Contains(reason, e.Message);
        Assert.StartsWith("broken.key", e.Message);
    }

    [Fact]
    public void TextThatIsNoSiftFileIsNoDescriptorFile()
    {
        Assert.Null(DescriptorFiles.Kind(Path.Combine(TestData.PhotosDirectory, "README.md")));
        string notes = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(notes, "12 apples\n");
        Assert.Null(DescriptorFiles.Kind(notes));
    }

    /// <summary>Our frames as Lowe's siftDemoV4 writes them (vl_ubcread inverted): "row col scale orientation", the
    /// orientation negated into [−π, π], then the descriptor in UBC order ×512 as integers, 20 per line.</summary>
    internal static string LoweKey(IReadOnlyList<SiftFeature> frames)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{frames.Count} 128\n");
        Span<float> ubc = stackalloc float[DescriptorConventions.Length];
        foreach (var f in frames)
        {
            double theta = -f.Angle;
            if (theta < -Math.PI)
                theta += 2 * Math.PI;
            text.Append(CultureInfo.InvariantCulture, $"{f.Y:R} {f.X:R} {f.Sigma:R} {theta:R}\n");
            DescriptorConventions.ReorderUbc(f.Descriptor, ubc);
            for (int k = 0; k < ubc.Length; k++)
            {
                int v = Math.Min(255, (int)Math.Round(ubc[k] * 512));
                text.Append(CultureInfo.InvariantCulture, $"{(k % 20 == 0 ? "" : " ")}{v}");
                if (k % 20 == 19 || k == ubc.Length - 1)
                    text.Append('\n');
            }
        }
        return text.ToString();
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0,
            na = 0,
            nb = 0;
        for (int i = 0; i < a.Length; i++)
            (dot, na, nb) = (dot + a[i] * b[i], na + a[i] * a[i], nb + b[i] * b[i]);
        return dot / Math.Sqrt(na * nb);
    }
}
