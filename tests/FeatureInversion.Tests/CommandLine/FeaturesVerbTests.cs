using FeatureInversion.Imaging.IO;
using FeatureInversion.Trainer;

namespace FeatureInversion.Tests.CommandLine;

public sealed class FeaturesVerbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fi-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("hog", 31, 38, 56)]
    [InlineData("lbp", 58, 18, 28)]
    [InlineData("sift-grid", 133, 75, 113)]
    public async Task WritesDenseFeaturesAsChannelsRowsCols(string representation, int channels, int rows, int cols)
    {
        string photo = Path.Combine(TestData.PhotosDirectory, "chelsea-451x300.jpg");
        string output = Path.Combine(_dir, representation + ".npy");
        var stdout = new StringWriter();
        Assert.Equal(
            0,
            await Cli.RunAsync(["features", representation, photo, "-o", output], stdout, new StringWriter())
        );

        var (data, shape) = NpyFile.Read(output);
        Assert.Equal(new[] { channels, rows, cols }, shape);
        Assert.Equal(
            TestData.Representations.Create(representation).Extract(TestData.LoadGray("chelsea-451x300.jpg")).Data,
            data
        );
        Assert.Contains($"({channels}, {rows}, {cols})", stdout.ToString());
    }

    [Fact]
    public async Task WritesSiftFramesAsRowsOfPositionScaleAngleDescriptor()
    {
        string output = Path.Combine(_dir, "sift.npy");
        Assert.Equal(
            0,
            await Cli.RunAsync(
                ["features", "sift", Path.Combine(TestData.PhotosDirectory, "camera-256x256.jpg"), "-o", output],
                new StringWriter(),
                new StringWriter()
            )
        );
        var (data, shape) = NpyFile.Read(output);
        var frames = new FeatureInversion.Features.Sift.SiftDetector().Detect(TestData.LoadGray("camera-256x256.jpg"));
        Assert.Equal(new[] { frames.Count, 132 }, shape);
        Assert.Equal(frames[7].X, data[7 * 132]);
        Assert.Equal(frames[7].Angle, data[7 * 132 + 3]);
        Assert.Equal(frames[7].Descriptor, data.AsSpan(7 * 132 + 4, 128).ToArray());
    }

    [Fact]
    public async Task BadInputFailsWithAMessageAndUsageErrorsWithCode2()
    {
        var stderr = new StringWriter();
        string notImage = Path.Combine(_dir, "notes.jpg");
        File.WriteAllText(notImage, "not a photo");
        Assert.Equal(
            1,
            await Cli.RunAsync(
                ["features", "hog", notImage, "-o", Path.Combine(_dir, "x.npy")],
                new StringWriter(),
                stderr
            )
        );
        Assert.Contains("notes.jpg: not a recognised image format", stderr.ToString());
        Assert.False(File.Exists(Path.Combine(_dir, "x.npy")));

        Assert.Equal(
            2,
            await Cli.RunAsync(["features", "surf", notImage, "-o", "x.npy"], new StringWriter(), new StringWriter())
        );
        Assert.Equal(2, await Cli.RunAsync(["features", "hog", notImage], new StringWriter(), new StringWriter()));
        Assert.Equal(2, await Cli.RunAsync(["frobnicate"], new StringWriter(), new StringWriter()));
    }
}
