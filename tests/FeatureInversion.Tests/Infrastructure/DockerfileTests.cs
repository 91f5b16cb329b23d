using System.Text.RegularExpressions;

namespace FeatureInversion.Tests.Infrastructure;

/// <summary>
/// What the images must be (issue 24), checked on the Dockerfiles since no container runtime runs here: the images
/// azd deploys (worker, trainer) start from Microsoft's .NET images pinned by digest, with no CUDA base (the CUDA
/// libraries come with TorchSharp-cuda-linux) but with the NVIDIA capabilities that make the runtime mount libcuda;
/// every image ends as a user other than root.
/// </summary>
public partial class DockerfileTests
{
    private static string Dockerfile(string name) =>
        File.ReadAllText(Path.Combine(TestData.Root, "infra", "docker", name + ".Dockerfile"));

    [Theory]
    [InlineData("worker")]
    [InlineData("trainer")]
    public void TheDeployedImagesStartFromDigestPinnedDotnetImagesAndMayUseTheGpu(string image)
    {
        string text = Dockerfile(image);
        var bases = FromLine().Matches(text).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["${SDK_IMAGE} AS build", "${RUNTIME_IMAGE}"], bases);
        Assert.Matches(@"\nARG SDK_IMAGE=mcr\.microsoft\.com/dotnet/sdk:10\.0@sha256:[0-9a-f]{64}\n", text);
        Assert.Matches(@"\nARG RUNTIME_IMAGE=mcr\.microsoft\.com/dotnet/runtime:10\.0@sha256:[0-9a-f]{64}\n", text);
        Assert.DoesNotContain("nvidia/cuda", text);
        Assert.Contains("-p:TorchBackend=cuda", text);
        Assert.Contains("NVIDIA_DRIVER_CAPABILITIES=compute,utility", text);
    }

    [Theory]
    [InlineData("worker")]
    [InlineData("trainer")]
    [InlineData("functions")]
    public void EveryImageRunsAsAUserOtherThanRoot(string image)
    {
        string text = Dockerfile(image);
        var final = text[text.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];
        var user = UserLine().Matches(final).Select(m => m.Groups[1].Value).LastOrDefault();
        Assert.NotNull(user);
        Assert.DoesNotContain(user, new[] { "root", "0", "0:0" });
    }

    [Fact]
    public void ThePinScriptRewritesTheLinesTheDockerfilesHave()
    {
        string script = File.ReadAllText(Path.Combine(TestData.Root, "infra", "scripts", "pin-images.sh"));
        foreach (var image in new[] { "worker", "trainer" })
        {
            string text = Dockerfile(image);
            Assert.Contains("ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0@sha256:", text);
            Assert.Contains("ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime:10.0@sha256:", text);
        }
        Assert.Contains("ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0@", script);
        Assert.Contains("ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime:10.0@", script);
    }

    [GeneratedRegex(@"^FROM (.+)$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"^USER (\S+)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex UserLine();
}
