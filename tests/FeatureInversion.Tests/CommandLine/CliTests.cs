using System.CommandLine;
using System.Text.RegularExpressions;
using FeatureInversion.Trainer;
using FeatureInversion.Trainer.Verbs;

namespace FeatureInversion.Tests.CommandLine;

/// <summary>The command line's contract: help on every verb, usage errors with that verb's usage only, and README's
/// documented command lines naming only verbs and options that exist.</summary>
public partial class CliTests
{
    public static TheoryData<string> VerbNames
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var verb in Cli.Verbs())
                data.Add(verb.Command.Name);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(VerbNames))]
    public async Task HelpOnEveryVerbPrintsItsUsageAndExitsZero(string verb)
    {
        var stdout = new StringWriter();
        Assert.Equal(0, await Cli.RunAsync([verb, "--help"], stdout, new StringWriter()));
        string help = stdout.ToString();
        Assert.Matches($@"Usage:\s+\S+ {verb} ", help);
        foreach (var other in Cli.Verbs().Where(v => v.Command.Name != verb))
            Assert.DoesNotContain(other.Command.Description!, help);
    }

    [Fact]
    public async Task ArchitecturePrintsThePapersTableAndRefusesOddSizes()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, await Cli.RunAsync(["architecture", "lbp"], stdout, new StringWriter()));
        string table = stdout.ToString();
        Assert.Contains("Table 5", table);
        Assert.Contains("convJ1    {upconvA2, convB2}     16×16×384      3  1  16×16×256", table);
        Assert.Contains("20,796,003 parameters", table);
        var small = new StringWriter();
        Assert.Equal(
            0,
            await Cli.RunAsync(
                ["architecture", "resnet18-res3", "--size", "64", "--width", "0.25"],
                small,
                new StringWriter()
            )
        );
        Assert.Contains("Table 6", small.ToString());
        Assert.Equal(
            2,
            await Cli.RunAsync(["architecture", "hog", "--size", "100"], new StringWriter(), new StringWriter())
        );
    }

    /// <summary>What scripts/decoder-twin.py builds the PyTorch twin from: the same layers as the table, with the
    /// padding a framework needs; parameters recomputed from the JSON's layers alone equal the network's.</summary>
    [Fact]
    public async Task ArchitectureJsonHasEveryLayerAFrameworkNeeds()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, await Cli.RunAsync(["architecture", "lbp", "--json"], stdout, new StringWriter()));
        using var json = System.Text.Json.JsonDocument.Parse(stdout.ToString());
        var root = json.RootElement;
        Assert.Equal(20_796_003, root.GetProperty("parameters").GetInt64());
        long parameters = 0;
        foreach (var l in root.GetProperty("layers").EnumerateArray())
        {
            long i = l.GetProperty("inChannels").GetInt64(),
                o = l.GetProperty("outChannels").GetInt64(),
                k = l.GetProperty("kernel").GetInt64(),
                s = l.GetProperty("outSize").GetInt64();
            parameters += l.GetProperty("kind").GetString() == "Fc" ? (i + 1) * o * s * s : i * o * k * k + o;
        }
        Assert.Equal(20_796_003, parameters);
        var convJ1 = root.GetProperty("layers")
            .EnumerateArray()
            .Single(l => l.GetProperty("name").GetString() == "convJ1");
        Assert.Equal(["upconvA2", "convB2"], convJ1.GetProperty("inputs").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1, convJ1.GetProperty("padding").GetInt32());
    }

    [Fact]
    public async Task AUsageErrorPrintsThatVerbsUsageOnlyAndExitsTwo()
    {
        var stderr = new StringWriter();
        Assert.Equal(
            2,
            await Cli.RunAsync(["evaluate", "models/hog-64px-w0.25", "--per-photo", "many"], new StringWriter(), stderr)
        );
        string text = stderr.ToString();
        Assert.Contains("--per-photo", text);
        Assert.Matches(@"Usage:\s+\S+ evaluate ", text);
        Assert.DoesNotMatch(@"\S+ train ", text);
        Assert.DoesNotContain(new TrainVerb().Command.Description!, text);

        Assert.Equal(
            2,
            await Cli.RunAsync(
                ["train", "surf", "--train", ".", "--test", ".", "-o", "x"],
                new StringWriter(),
                new StringWriter()
            )
        );
        Assert.Equal(
            2,
            await Cli.RunAsync(
                ["pipeline", ".", "--connection", "UseDevelopmentStorage=true"],
                new StringWriter(),
                new StringWriter()
            )
        );
        Assert.Equal(2, await Cli.RunAsync([], new StringWriter(), new StringWriter()));
    }

    /// <summary>README command lines, continuation lines joined: <c>dotnet run --project trainer -c Release -- verb
    /// …</c>.</summary>
    private static IEnumerable<(string Verb, string Arguments)> DocumentedCommands()
    {
        string readme = File.ReadAllText(Path.Combine(TestData.Root, "README.md")).Replace("\\\n", " ");
        foreach (Match m in Documented().Matches(readme))
            yield return (m.Groups[1].Value, m.Groups[2].Value);
    }

    [GeneratedRegex(@"dotnet run --project trainer -c Release -- ([a-z-]+)([^\n`#]*)")]
    private static partial Regex Documented();

    [GeneratedRegex(@"(?<![\w-])(--?[a-z][a-z0-9-]*)")]
    private static partial Regex OptionToken();

    [Fact]
    public void EveryOptionTheReadmeShowsExistsOnItsVerb()
    {
        var root = Cli.BuildRoot();
        var documented = DocumentedCommands().ToList();
        Assert.True(documented.Count >= 8, $"found only {documented.Count} documented trainer command lines");
        foreach (var (verb, arguments) in documented)
        {
            var command = root.Subcommands.SingleOrDefault(c => c.Name == verb);
            Assert.True(command is not null, $"README shows verb '{verb}', which the trainer does not have");
            string first = arguments.Trim().Split(' ')[0];
            if (command!.Subcommands.Count > 0)
            {
                command = command.Subcommands.SingleOrDefault(c => c.Name == first);
                Assert.True(
                    command is not null,
                    $"README shows '{verb} {first}', which is not a subcommand of '{verb}'"
                );
            }
            var names = command!.Options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();
            foreach (Match token in OptionToken().Matches(arguments))
                Assert.True(
                    names.Contains(token.Value),
                    $"README shows '{verb} {token.Value}', which '{verb}' does not accept"
                );
        }
        Assert.Contains(documented, d => d.Verb == "pipeline" && d.Arguments.Contains("--azurite"));
    }
}

/// <summary>AlexNet/CaffeNet layers from a user-supplied ONNX file through the command line (the file the tests
/// build).</summary>
[Trait(Tiers.Name, Tiers.Slow)]
public sealed class AlexNetCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fi-alexnet-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task FeaturesAndTrainingWorkOnAlexNetLayersGivenTheFile()
    {
        string onnx = Path.Combine(_dir, "caffenet.onnx");
        File.WriteAllBytes(onnx, FeatureInversion.Tests.Onnx.AlexNetOnnx.Build());
        string photo = Path.Combine(TestData.PhotosDirectory, "astronaut-300x300.jpg");
        string npy = Path.Combine(_dir, "fc7.npy");
        var stdout = new StringWriter();
        Assert.Equal(
            0,
            await Cli.RunAsync(
                ["features", "alexnet-fc7", photo, "-o", npy, "--alexnet", onnx],
                stdout,
                new StringWriter()
            )
        );
        var (_, shape) = FeatureInversion.Imaging.IO.NpyFile.Read(npy);
        Assert.Equal(new[] { 4096 / 8, 1, 1 }, shape);

        // Without the file the layer is unknown: a usage error naming the known ones.
        var stderr = new StringWriter();
        Assert.Equal(2, await Cli.RunAsync(["features", "alexnet-fc7", photo, "-o", npy], new StringWriter(), stderr));
        Assert.Contains("resnet18-conv1", stderr.ToString());

        // fc layers train with the paper's Table 7 decoder.
        string output = Path.Combine(_dir, "decoder");
        Assert.Equal(
            0,
            await Cli.RunAsync(
                [
                    "train",
                    "alexnet-fc7",
                    "--alexnet",
                    onnx,
                    "--train",
                    TestData.PhotosDirectory,
                    "--test",
                    TestData.PhotosDirectory,
                    "-o",
                    output,
                    "--steps",
                    "2",
                    "--loader-threads",
                    "1",
                    "--batch",
                    "8",
                    "--width",
                    "0.0625",
                    "--eval-every",
                    "0",
                    "--device",
                    "cpu",
                ],
                new StringWriter(),
                new StringWriter()
            )
        );
        Assert.Equal("alexnet-fc7", FeatureInversion.Models.DecoderManifest.Read(output).Representation);
        Assert.Equal(
            0,
            await Cli.RunAsync(
                ["reconstruct", output, photo, "-o", Path.Combine(_dir, "r.png"), "--alexnet", onnx],
                new StringWriter(),
                new StringWriter()
            )
        );
    }

    [Fact]
    public async Task TrainingReadsFeaturesFromADiskCacheWhenAskedAndOnlyForHandDesignedOnes()
    {
        string output = Path.Combine(_dir, "sift"),
            cache = Path.Combine(_dir, "cache");
        var stdout = new StringWriter();
        Assert.Equal(
            0,
            await Cli.RunAsync(
                [
                    "train",
                    "sift-grid",
                    "--train",
                    TestData.PhotosDirectory,
                    "--test",
                    TestData.PhotosDirectory,
                    "-o",
                    output,
                    "--steps",
                    "3",
                    "--batch",
                    "8",
                    "--width",
                    "0.0625",
                    "--eval-every",
                    "0",
                    "--feature-cache",
                    "32",
                    "--feature-reuse",
                    "2",
                    "--cache",
                    cache,
                ],
                stdout,
                new StringWriter()
            )
        );
        Assert.Contains("feature cache of 32 samples", stdout.ToString());
        Assert.StartsWith(
            "random crops from a feature cache of 32 samples",
            FeatureInversion.Models.DecoderManifest.Read(output).Training!.Data
        );
        Assert.Single(Directory.GetDirectories(cache, "features-sift-grid-64px-*"));

        var stderr = new StringWriter();
        Assert.NotEqual(
            0,
            await Cli.RunAsync(
                [
                    "train",
                    "resnet18-conv1",
                    "--train",
                    TestData.PhotosDirectory,
                    "--test",
                    TestData.PhotosDirectory,
                    "-o",
                    Path.Combine(_dir, "r"),
                    "--steps",
                    "1",
                    "--feature-cache",
                    "32",
                ],
                new StringWriter(),
                stderr
            )
        );
        Assert.Contains("feature cache is for hand-designed representations", stderr.ToString());
    }

    [Fact]
    public async Task UnreachableStorageIsAnInputErrorWithExitOneNotACrash()
    {
        Assert.True(
            Cli.IsInputError(
                new AggregateException(
                    new Azure.RequestFailedException("Connection refused"),
                    new Azure.RequestFailedException("Connection refused")
                )
            )
        );
        Assert.False(Cli.IsInputError(new AggregateException(new InvalidOperationException("bug"))));
        var stderr = new StringWriter();
        // Nothing listens on port 9 of the loopback: the SDK retries, then the verb reports it.
        string connection =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey="
            + FeatureInversion.Tests.Pipeline.AzuriteFixture.AccountKey
            + ";BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;";
        Assert.Equal(
            1,
            await Cli.RunAsync(
                [
                    "pipeline",
                    TestData.PhotosDirectory,
                    "--out",
                    _dir,
                    "--azurite",
                    "--connection",
                    connection,
                    "--models",
                    Path.Combine(TestData.Root, "models"),
                ],
                new StringWriter(),
                stderr
            )
        );
        Assert.StartsWith("error: ", stderr.ToString());
    }

    /// <summary>The auditor's case: a leaked COLMAP database in, one whole-image reconstruction per image
    /// out.</summary>
    [Fact]
    public async Task ReconstructTurnsAColmapDatabaseIntoOneWholeImagePerImage()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string db = Path.Combine(TestData.Root, "tests", "data", "fixtures", "descriptors", "colmap.db");
        string folder = Path.Combine(_dir, "leak");
        Assert.True(
            0
                == await Cli.RunAsync(
                    ["reconstruct", Path.Combine(TestData.Root, "models", "sift-grid-64px-w0.25"), db, "-o", folder],
                    stdout,
                    stderr
                ),
            stderr.ToString()
        );
        Assert.Equal(
            ["astronaut-300x300.png", "camera-256x256.png"],
            Directory.GetFiles(folder).Select(Path.GetFileName).Order()
        );
        var header = ImageFiles.ReadHeader(Path.Combine(folder, "camera-256x256.png"));
        Assert.Equal((107, 107), (header.Width, header.Height)); // the decoder's working resolution
        Assert.Contains("[COLMAP database] camera-256x256.jpg", stdout.ToString());
        Assert.Contains("375 keypoints of a 256x256 image", stdout.ToString());

        // A hog decoder cannot read keypoints: the error says which decoder can.
        stderr = new StringWriter();
        Assert.Equal(
            1,
            await Cli.RunAsync(
                ["reconstruct", Path.Combine(TestData.Root, "models", "hog-64px-w0.25"), db, "-o", folder],
                new StringWriter(),
                stderr
            )
        );
        Assert.Contains("reconstruct it with a sift-grid decoder", stderr.ToString());
    }

    /// <summary>The auditor's per-photo files: OpenCV's .npz named after the photo it came from (made by
    /// scripts/make-descriptor-fixtures.sh from coffee-480x320.jpg), and a HOG decoder's maps computed here.</summary>
    [Fact]
    public async Task AuditReadsDescriptorFilesNamedAfterThePhotosAndAuditsDenseMaps()
    {
        string photos = Directory.CreateDirectory(Path.Combine(_dir, "mine")).FullName;
        foreach (var name in new[] { "camera-256x256.jpg", "coffee-480x320.jpg", "rocket-427x285.jpg" })
            File.Copy(Path.Combine(TestData.PhotosDirectory, name), Path.Combine(photos, name));
        string leak = Directory.CreateDirectory(Path.Combine(_dir, "leak-files")).FullName;
        File.Copy(
            Path.Combine(TestData.Root, "tests", "data", "fixtures", "descriptors", "opencv-sift.npz"),
            Path.Combine(leak, "coffee-480x320.jpg.npz")
        );
        string sift = Path.Combine(TestData.Root, "models", "sift-grid-64px-w0.25");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string json = Path.Combine(_dir, "audit.json");
        Assert.True(
            0
                == await Cli.RunAsync(
                    ["audit", sift, "--photos", photos, "--leaked", leak, "--no-cnn", "--keep", "1,0.5", "-o", json],
                    stdout,
                    stderr
                ),
            stderr.ToString()
        );
        Assert.Contains("1 of 3 photos audited", stdout.ToString());
        Assert.Contains("re-identified from their OpenCV SIFT (.npz) files (leak-files)", stdout.ToString());
        Assert.Contains("(top-1 by 32×32 grayscale correlation; chance: 1 in 3)", stdout.ToString());
        using (var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json)))
            Assert.Equal(2, report.RootElement.GetProperty("Levels").GetArrayLength());

        stdout = new StringWriter();
        string hog = Path.Combine(TestData.Root, "models", "hog-64px-w0.25");
        Assert.True(
            0 == await Cli.RunAsync(["audit", hog, "--photos", photos, "--no-cnn"], stdout, stderr),
            stderr.ToString()
        );
        Assert.Contains("3 of 3 photos audited", stdout.ToString());
        Assert.Contains("re-identified from their hog", stdout.ToString());

        // keypoint files need a sift-grid decoder; a map has no keypoints to thin
        foreach (
            var (args, message) in new (string[], string)[]
            {
                (["--leaked", leak], "audit them with a sift-grid decoder"),
                (["--keep", "0.5"], "no keypoints to thin"),
            }
        )
        {
            stderr = new StringWriter();
            Assert.NotEqual(
                0,
                await Cli.RunAsync(["audit", hog, "--photos", photos, "--no-cnn", .. args], new StringWriter(), stderr)
            );
            Assert.Contains(message, stderr.ToString());
        }
    }

    [Fact]
    public async Task ReconstructWholeDecodesTheWholePhotoAtTheWorkingResolution()
    {
        string png = Path.Combine(_dir, "whole.png");
        var stderr = new StringWriter();
        Assert.True(
            0
                == await Cli.RunAsync(
                    [
                        "reconstruct",
                        Path.Combine(TestData.Root, "models", "hog-64px-w0.25"),
                        Path.Combine(TestData.PhotosDirectory, "chelsea-451x300.jpg"),
                        "--whole",
                        "-o",
                        png,
                    ],
                    new StringWriter(),
                    stderr
                ),
            stderr.ToString()
        );
        var header = ImageFiles.ReadHeader(png);
        Assert.Equal((160, 104), (header.Width, header.Height)); // 160×107 at the trained scale; 13 HOG rows of 8 px
    }

    [Fact]
    public async Task DevicesAreNamedAndAMissingGpuIsAnErrorNotACrash()
    {
        var stderr = new StringWriter();
        string[] reconstruct =
        [
            "reconstruct",
            Path.Combine(TestData.Root, "models", "hog-64px-w0.25"),
            Path.Combine(TestData.PhotosDirectory, "camera-256x256.jpg"),
            "-o",
            Path.Combine(_dir, "r.png"),
        ];
        Assert.Equal(2, await Cli.RunAsync([.. reconstruct, "--device", "gpu"], new StringWriter(), stderr));
        Assert.Contains("'gpu' is not a device; use auto, cpu or cuda", stderr.ToString());
        Assert.DoesNotContain("FeatureInversion.Decoders", stderr.ToString()); // no internal type names
        if (!TorchSharp.torch.cuda.is_available())
        {
            stderr = new StringWriter();
            Assert.Equal(1, await Cli.RunAsync([.. reconstruct, "--device", "cuda"], new StringWriter(), stderr));
            Assert.StartsWith("error: --device cuda: libtorch sees no CUDA device", stderr.ToString());
        }
        Assert.Equal(
            0,
            await Cli.RunAsync([.. reconstruct, "--device", "CPU"], new StringWriter(), new StringWriter())
        );
    }

    [Theory]
    [InlineData("astronaut-300x300.jpg")]
    [InlineData("chelsea-451x300.jpg")]
    public async Task ResNet18FeaturesOfAnyPhotoSizeAreExported(string photo)
    {
        string output = Path.Combine(_dir, "res3.npy");
        var stderr = new StringWriter();
        Assert.True(
            0
                == await Cli.RunAsync(
                    ["features", "resnet18-res3", Path.Combine(TestData.PhotosDirectory, photo), "-o", output],
                    new StringWriter(),
                    stderr
                ),
            stderr.ToString()
        );
        Assert.True(File.Exists(output));
    }

    [Fact]
    public async Task LibtorchErrorsAndNonFiniteResultsAreExitOneWithAMessage()
    {
        Assert.Equal(
            "libtorch: The size of tensor a (37) must match",
            Cli.RunFailure(
#pragma warning disable CA2201 // the type TorchSharp throws for a libtorch error, which this test imitates
                new System.Runtime.InteropServices.ExternalException(
                    "The size of tensor a (37) must match\nException raised from infer_size at ..."
                )
#pragma warning restore CA2201
            )
        );
        Assert.NotNull(Cli.RunFailure(new FeatureInversion.Training.NonFiniteTrainingException(3, "the loss is NaN")));
        Assert.Null(Cli.RunFailure(new InvalidOperationException("a bug")));
        var stderr = new StringWriter();
        Assert.Equal(
            2,
            await Cli.RunAsync(
                [
                    "train",
                    "hog",
                    "--train",
                    TestData.PhotosDirectory,
                    "--test",
                    TestData.PhotosDirectory,
                    "-o",
                    _dir,
                    "--size",
                    "100",
                ],
                new StringWriter(),
                stderr
            )
        );
        Assert.Contains("--size must be one of 64, 128, 256 for hog", stderr.ToString());
    }

    [Fact]
    public async Task ThePipelineUploadsOnlyRegularFilesAndListsEveryOtherEntryAsRefusedWithItsReason()
    {
        string input = Path.Combine(_dir, "in"),
            output = Path.Combine(_dir, "out");
        Directory.CreateDirectory(Path.Combine(input, "holiday"));
        File.Copy(Path.Combine(TestData.PhotosDirectory, "camera-256x256.jpg"), Path.Combine(input, "camera.jpg"));
        File.CreateSymbolicLink(Path.Combine(input, "passwd.jpg"), "/etc/passwd");
        var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(input, "pipe.jpg"));
        await mkfifo.WaitForExitAsync();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.True(
            0
                == await Cli.RunAsync(
                    [
                        "pipeline",
                        input,
                        "--out",
                        output,
                        "--batch",
                        "entries",
                        "--models",
                        Path.Combine(TestData.Root, "models"),
                    ],
                    stdout,
                    stderr
                ),
            stderr.ToString()
        );
        string text = stdout.ToString();
        Assert.Contains("1 files from", text);
        Assert.Contains("entries/holiday: failed  holiday: a subfolder: not uploaded", text);
        Assert.Contains("entries/passwd.jpg: failed  passwd.jpg: a symbolic link (to /etc/passwd): not followed", text);
        Assert.Contains("entries/pipe.jpg: failed  pipe.jpg: not a regular file", text);
        Assert.Contains("4 uploaded, 3 refused", text);
        var images = Directory.GetFiles(Path.Combine(output, "storage", "images"), "*", SearchOption.AllDirectories);
        Assert.Equal(["camera.jpg"], images.Select(Path.GetFileName));
        var report = FeatureInversion.Pipeline.PipelineJson.Deserialize<FeatureInversion.Pipeline.Gallery.BatchReport>(
            File.ReadAllBytes(Path.Combine(output, "storage", "results", "entries", "_gallery", "report.json"))
        );
        Assert.Equal((4, 3), (report.Uploads, report.Refused));
    }

    public static TheoryData<string[], int, string> NewcomerMistakes =>
        new()
        {
            { ["trian", "hog"], 2, "did you mean 'train'?" },
            {
                [
                    "train",
                    "hog",
                    "--train",
                    "tests/data/photos",
                    "--test",
                    "tests/data/photos",
                    "-o",
                    "x",
                    "--ouput",
                    "y",
                ],
                2,
                "'--ouput': did you mean '--output'?"
            },
            {
                ["train", "hgo", "--train", "tests/data/photos", "--test", "tests/data/photos", "-o", "x"],
                2,
                "did you mean 'hog'?"
            },
            {
                ["train", "alexnet-conv5", "--train", "tests/data/photos", "--test", "tests/data/photos", "-o", "x"],
                2,
                "--alexnet model.onnx"
            },
            {
                ["train", "sift", "--train", "tests/data/photos", "--test", "tests/data/photos", "-o", "x"],
                2,
                "has no decoder"
            },
            { ["features", "hgo", "tests/data/photos/camera-256x256.jpg", "-o", "x.npy"], 2, "did you mean 'hog'?" },
            {
                ["features", "alexnet-fc6", "tests/data/photos/camera-256x256.jpg", "-o", "x.npy"],
                2,
                "--alexnet model.onnx"
            },
            { ["architecture", "hog", "--size", "100"], 2, "--size must be one of 64, 128, 256" },
            { ["features", "hog", "models", "-o", "x.npy"], 1, "is a folder, not a file" },
            {
                ["evaluate", "models/hog-64px-w0.25/manifest.json", "--test", "tests/data/photos"],
                1,
                "is a file, not a folder"
            },
            {
                ["publish", "models/hog-64px-w0.25"],
                2,
                "publish needs a storage account to write to, and none is configured"
            },
        };

    [Theory]
    [MemberData(nameof(NewcomerMistakes))]
    public async Task ANewcomersMistakeGetsAMessageThatPointsTheWay(string[] args, int exit, string message)
    {
        var stderr = new StringWriter();
        var absolute = args.Select(a =>
                a.StartsWith("models", StringComparison.Ordinal) || a.StartsWith("tests/", StringComparison.Ordinal)
                    ? Path.Combine(TestData.Root, a)
                    : a
            )
            .ToArray();
        Assert.Equal(exit, await Cli.RunAsync(absolute, new StringWriter(), stderr));
        Assert.Contains(message, stderr.ToString());
    }

    [Fact]
    public async Task AFolderOfCheckpointsListsThemAndVersionPrintsTheCommit()
    {
        var stderr = new StringWriter();
        Assert.Equal(
            1,
            await Cli.RunAsync(
                [
                    "reconstruct",
                    Path.Combine(TestData.Root, "models", "resnet18"),
                    Path.Combine(TestData.PhotosDirectory, "camera-256x256.jpg"),
                    "-o",
                    Path.Combine(_dir, "x.png"),
                ],
                new StringWriter(),
                stderr
            )
        );
        Assert.Contains("a folder of decoder checkpoints, not one; name one of:", stderr.ToString());
        Assert.Contains("resnet18-res3-64px-w0.25", stderr.ToString());
        var stdout = new StringWriter();
        Assert.Equal(0, await Cli.RunAsync(["--version"], stdout, new StringWriter()));
        Assert.Matches(@"^FeatureInversion.Trainer \d+\.\d+\.\d+", stdout.ToString());
    }

    [Fact]
    public async Task TrainingProgressLinesCarryATimeLeftAndQuietSilencesThem()
    {
        var stderr = new StringWriter();
        string[] args =
        [
            "train",
            "hog",
            "--train",
            TestData.PhotosDirectory,
            "--test",
            TestData.PhotosDirectory,
            "-o",
            Path.Combine(_dir, "quiet"),
            "--steps",
            "20",
            "--batch",
            "4",
            "--width",
            "0.0625",
            "--eval-every",
            "0",
            "--quiet",
        ];
        var stdout = new StringWriter();
        Assert.Equal(0, await Cli.RunAsync(args, stdout, stderr));
        Assert.Equal("", stderr.ToString());
        Assert.Matches(@"^hog-64px-w\S+: normalized error", stdout.ToString()); // the result only
        stderr = new StringWriter();
        Assert.Equal(
            0,
            await Cli.RunAsync(
                [
                    "train",
                    "hog",
                    "--train",
                    TestData.PhotosDirectory,
                    "--test",
                    TestData.PhotosDirectory,
                    "-o",
                    Path.Combine(_dir, "eta"),
                    "--steps",
                    "60",
                    "--batch",
                    "4",
                    "--width",
                    "0.0625",
                    "--eval-every",
                    "0",
                    "--loader-threads",
                    "1",
                ],
                new StringWriter(),
                stderr
            )
        );
        Assert.Matches(@"step 40/60 .* ETA \d+s", stderr.ToString());
    }
}
