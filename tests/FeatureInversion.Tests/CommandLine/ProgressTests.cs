using FeatureInversion.Trainer;
using FeatureInversion.Trainer.Verbs;

namespace FeatureInversion.Tests.CommandLine;

/// <summary>Long verbs report progress on standard error: plain lines with the time left when it is not a terminal,
/// nothing with --quiet; standard output keeps only the results.</summary>
public class ProgressTests
{
    [Fact]
    public void PlainLinesSayHowMuchIsDoneAndHowLongIsLeft()
    {
        var output = new StringWriter();
        var lines = new ConsoleProgress.Lines(output, "optimizing 4 crops", 10);
        lines.Report(0);
        Thread.Sleep(5);
        // Lines come at most every LineInterval; this one is forced by a zero interval for the instance's next report.
        var interval = ConsoleProgress.LineInterval;
        try
        {
            ConsoleProgress.LineInterval = TimeSpan.Zero;
            lines.Report(4);
        }
        finally
        {
            ConsoleProgress.LineInterval = interval;
        }
        lines.Report(10);
        lines.Finish();
        var text = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, text.Length);
        Assert.Matches(@"^optimizing 4 crops: 4/10 \(40 %\), [\d.]+ s elapsed, about [\d.]+ s left", text[0]);
        Assert.Matches(@"^optimizing 4 crops: 10/10 done in [\d.]+ s", text[1]);
    }

    [Fact]
    public async Task OptimizeReportsOnStandardErrorAndQuietSilencesIt()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        string[] args =
        [
            "optimize",
            "hog",
            "--test",
            TestData.PhotosDirectory,
            "--iterations",
            "5",
            "--per-photo",
            "1",
        ];
        Assert.Equal(0, await Cli.RunAsync(args, stdout, stderr));
        Assert.Contains("optimizing 5 crops: 5/5 done in", stderr.ToString());
        Assert.DoesNotContain("optimizing", stdout.ToString()); // results only
        Assert.Contains("hog: 5 test crops at 64px", stdout.ToString());

        (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await Cli.RunAsync([.. args, "--quiet"], stdout, stderr));
        Assert.Equal("", stderr.ToString());
        Assert.Contains("hog: 5 test crops at 64px", stdout.ToString());
    }

    [Fact]
    public async Task EvaluateCountsTheTestCropsItHasComputedFeaturesOf()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        string[] args =
        [
            "evaluate",
            Path.Combine(TestData.Root, "models", "hog-64px-w0.25"),
            "--test",
            TestData.PhotosDirectory,
            "--per-photo",
            "2",
        ];
        Assert.Equal(0, await Cli.RunAsync(args, stdout, stderr));
        int crops = 2 * TestData.PhotoNames.Count();
        Assert.Contains($"features of {crops} test crops: {crops}/{crops} done in", stderr.ToString());
        Assert.DoesNotContain("features of", stdout.ToString());
        (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await Cli.RunAsync([.. args, "--quiet"], stdout, stderr));
        Assert.Equal("", stderr.ToString());
        Assert.Contains($"{crops} test images at 64px", stdout.ToString());
    }

    [Fact]
    public async Task AuditCountsItsReconstructions()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        string[] args =
        [
            "audit",
            Path.Combine(TestData.Root, "models", "hog-64px-w0.25"),
            "--photos",
            TestData.PhotosDirectory,
            "--no-cnn",
        ];
        Assert.Equal(0, await Cli.RunAsync(args, stdout, stderr));
        int photos = Directory
            .GetFiles(TestData.PhotosDirectory)
            .Count(FeatureInversion.Imaging.ImageFiles.HasPhotoExtension);
        Assert.Contains($"reconstructions: {photos}/{photos} done in", stderr.ToString());
        Assert.DoesNotContain("reconstructions:", stdout.ToString());
        Assert.Contains("verdict:", stdout.ToString());
        (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await Cli.RunAsync([.. args, "--quiet"], stdout, stderr));
        Assert.Equal("", stderr.ToString());
        Assert.Contains("verdict:", stdout.ToString());
    }

    [Fact]
    public async Task ThePipelineCountsTheUploadsWhoseJobsAreOver()
    {
        string root = Directory.CreateTempSubdirectory("fi-progress-").FullName;
        try
        {
            var (stdout, stderr) = (new StringWriter(), new StringWriter());
            string[] args = ["pipeline", TestData.PhotosDirectory, "--out", root, "--batch", "p"];
            Assert.Equal(0, await Cli.RunAsync(args, stdout, stderr));
            int files = Directory.GetFiles(TestData.PhotosDirectory).Length;
            // every file of the folder, the refused README included, once its jobs are over
            Assert.Contains($"uploads settled: {files}/{files} done in", stderr.ToString());
            Assert.DoesNotContain("uploads settled", stdout.ToString());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
