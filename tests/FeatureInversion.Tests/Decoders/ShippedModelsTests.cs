namespace FeatureInversion.Tests.Decoders;

/// <summary>The decoders committed under models/ load, match their manifests and reconstruct images.</summary>
public class ShippedModelsTests
{
    public static TheoryData<string> Models
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var dir in ShippedDirectories())
                data.Add(Path.GetRelativePath(Path.Combine(TestData.Root, "models"), dir));
            return data;
        }
    }

    [Fact]
    public void ThereAreDecodersForTheHandDesignedRepresentationsAndTheRequiredCnnLayers()
    {
        var representations = Directory
            .GetDirectories(Path.Combine(TestData.Root, "models"))
            .Where(d => File.Exists(Path.Combine(d, DecoderManifest.FileName)))
            .Select(d => DecoderManifest.Read(d).Representation);
        Assert.Equal(["hog", "lbp", "sift-grid"], representations.Distinct().Order());
        Assert.All(ShippedDirectories().Select(DecoderManifest.Read), m =>
            Assert.Equal(DecoderArchitecture.Revision, m.Architecture)
        );
        // CNN layers (issue 3): at least conv1, a middle stage, the last stage and the pooled vector.
        var deep = ShippedDirectories().Select(DecoderManifest.Read).Select(m => m.Representation).ToHashSet();
        string[] required = ["resnet18-conv1", "resnet18-res3", "resnet18-res5", "resnet18-pool5"];
        Assert.All(required, r => Assert.Contains(r, deep));
    }

    [Theory]
    [InlineData("hog-64px-w0.25")]
    [InlineData("lbp-64px-w0.25")]
    [InlineData("sift-grid-64px-w0.25")]
    public void TheHandDesignedDecodersRecordTheirErrorOnPhotosFromSourcesTrainingNeverSaw(string model)
    {
        // Issue 32: the figure to read is the cross-source one (training's packages never supplied these photos).
        var evaluation = DecoderManifest.Read(Path.Combine(TestData.Root, "models", model)).Evaluation!;
        Assert.NotNull(evaluation.CrossSourceError);
        Assert.InRange(evaluation.CrossSourceError!.Value, 0.1, evaluation.MeanImageBaselineError);
        Assert.NotNull(evaluation.SameSourceError);
    }

    /// <summary>Every checkpoint folder under models/ (top level and one folder down, e.g. models/resnet18/).</summary>
    private static IEnumerable<string> ShippedDirectories()
    {
        var root = Path.Combine(TestData.Root, "models");
        return Directory
            .GetDirectories(root)
            .SelectMany(d => File.Exists(Path.Combine(d, DecoderManifest.FileName)) ? [d] : Directory.GetDirectories(d))
            .Where(d => File.Exists(Path.Combine(d, DecoderManifest.FileName)))
            .Order(StringComparer.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void LoadsAndReconstructsAPhoto(string model)
    {
        string dir = Path.Combine(TestData.Root, "models", model);
        var manifest = DecoderManifest.Read(dir);
        Assert.True(
            new FileInfo(Path.Combine(dir, DecoderManifest.WeightsFileName)).Length < 25_000_000,
            "shipped weights must stay small (the largest, SIFT-grid's Table 4 at width ¼ with 2048/4 channels in "
                + "conv4 and conv5, is 24 MB)"
        );
        Assert.NotNull(manifest.Evaluation);
        Assert.True(
            manifest.Evaluation!.NormalizedError < manifest.Evaluation.MeanImageBaselineError,
            $"{model}: error {manifest.Evaluation.NormalizedError} is not below the mean-image baseline "
                + $"{manifest.Evaluation.MeanImageBaselineError}"
        );

        var (network, _) = DecoderCheckpoint.Load(dir, TestData.Representations, manifest.Representation);
        using (network)
        {
            var (input, features, reconstruction) = DecoderInference.FromPhoto(
                network,
                TestData.LoadPhoto("coffee-480x320.jpg")
            );
            Assert.Equal((manifest.ImageSize, manifest.ImageSize), (reconstruction.Width, reconstruction.Height));
            Assert.All(reconstruction.Planes, v => Assert.InRange(v, 0f, 1f));
            // A trained decoder tracks the photo: closer to it than to a flat gray image is.
            double error = ReconstructionMetrics.Distance(input.Planes, reconstruction.Planes);
            double gray = ReconstructionMetrics.Distance(
                input.Planes,
                Enumerable.Repeat(0.5f, input.Planes.Length).ToArray()
            );
            Assert.True(error < gray, $"{model}: reconstruction distance {error:F2} vs flat gray {gray:F2}");
        }
    }
}
