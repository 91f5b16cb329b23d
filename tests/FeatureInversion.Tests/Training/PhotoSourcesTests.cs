using FeatureInversion.Training.Data;

namespace FeatureInversion.Tests.Training;

/// <summary>Test errors split by the photos' sources: cross-source (no training photo from that package) or
/// not.</summary>
public class PhotoSourcesTests
{
    [Fact]
    public void ErrorsArePooledPerSourceAndCrossSourceMeansNoTrainingPhotoFromThatPackage()
    {
        string root = Path.Combine(Path.GetTempPath(), "fi-sources-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "test"));
        File.WriteAllText(
            Path.Combine(root, PhotoSources.FileName),
            """
            photo	split	package	path in package	licence
            a.jpg	train	wallpapers	/a.jpg	x
            b.jpg	test	wallpapers	/b.jpg	x
            c.jpg	test	album	/c.jpg	x
            d.png	test	album	/d.png	x
            """.Replace("            ", "")
        );
        // the table beside the splits, as fetch-photos.sh writes it
        var sources = PhotoSources.Find(Path.Combine(root, "test"))!;
        Assert.Equal(["wallpapers"], sources.TrainingPackages);
        Assert.True(sources.IsCrossSource("c"));
        Assert.False(sources.IsCrossSource("b.jpg"));
        Assert.Null(sources.IsCrossSource("e"));

        var perSource = Evaluation.PerSource(
            [
                new PhotoError("b", 10, 0.5),
                new PhotoError("c", 10, 0.2),
                new PhotoError("d", 30, 0.4),
                new PhotoError("e", 10, 0.9),
            ],
            sources
        );
        Assert.Equal(["album", "unlisted", "wallpapers"], perSource.Select(s => s.Source));
        var album = perSource[0];
        Assert.True(album.CrossSource);
        Assert.Equal((2, 40), (album.Photos, album.Crops));
        Assert.Equal((10 * 0.2 + 30 * 0.4) / 40, album.NormalizedError, 12); // crop-weighted, as the overall error
        Assert.False(perSource[1].CrossSource); // nothing says training never saw an unlisted photo
        Assert.Equal(0.35, Evaluation.Pooled(perSource.Where(s => s.CrossSource))!.Value, 12);
        Assert.Equal((10 * 0.9 + 10 * 0.5) / 20.0, Evaluation.Pooled(perSource.Where(s => !s.CrossSource))!.Value, 12);
        Assert.Null(Evaluation.Pooled([]));

        // A training run's evaluation record carries both figures into the manifest, written and read back.
        var record = Evaluation.WithSources(
            new EvaluationRecord
            {
                PerPhoto = [new PhotoError("b", 10, 0.5), new PhotoError("c", 10, 0.2), new PhotoError("d", 30, 0.4)],
            },
            Path.Combine(root, "test")
        );
        Assert.Equal(0.35, record.CrossSourceError!.Value, 12);
        Assert.Equal(0.5, record.SameSourceError!.Value, 12);
        string json = System.Text.Json.JsonSerializer.Serialize(record, DecoderManifest.JsonOptions);
        var back = System.Text.Json.JsonSerializer.Deserialize<EvaluationRecord>(json, DecoderManifest.JsonOptions)!;
        Assert.Equal((record.CrossSourceError, record.SameSourceError), (back.CrossSourceError, back.SameSourceError));
        // without a sources table (or per-photo errors) nothing is added, and nothing is written for it
        var plain = Evaluation.WithSources(
            record with
            {
                CrossSourceError = null,
                SameSourceError = null,
            },
            root + "-x"
        );
        Assert.Null(plain.CrossSourceError);
        Assert.DoesNotContain(
            "crossSource",
            System.Text.Json.JsonSerializer.Serialize(plain, DecoderManifest.JsonOptions),
            StringComparison.OrdinalIgnoreCase
        );
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void ATableWithoutTheNeededColumnsIsRefused()
    {
        string path = Path.Combine(Path.GetTempPath(), "fi-sources-" + Guid.NewGuid().ToString("N") + ".tsv");
        File.WriteAllText(path, "name\tfrom\nx.jpg\ty\n");
        Assert.Contains(
            "photo, split and package",
            Assert.Throws<InvalidDataException>(() => PhotoSources.Read(path)).Message
        );
        File.Delete(path);
    }
}
