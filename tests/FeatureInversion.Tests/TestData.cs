using FeatureInversion.Imaging;

namespace FeatureInversion.Tests;

/// <summary>Locates the repository's tests/data folder and loads its photographs.</summary>
internal static class TestData
{
    public static string Root { get; } = FindRoot();

    /// <summary>Every representation a TorchSharp host offers (hand-designed and ResNet18 layers).</summary>
    public static RepresentationRegistry Representations { get; } = CnnRepresentations.All(alexNetOnnx: "");

    public static RepresentationDescriptor Representation(string name) => Representations.Get(name);

    public static string PhotosDirectory => Path.Combine(Root, "tests", "data", "photos");

    /// <summary>Every committed test photograph (varied sizes), sorted by name.</summary>
    public static IEnumerable<string> PhotoNames =>
        Directory.GetFiles(PhotosDirectory, "*.jpg").Select(Path.GetFileName).Order()!;

    public static TheoryData<string> Photos
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in PhotoNames) data.Add(name);
            return data;
        }
    }

    /// <summary>Seeded 64×64 training crops of the test photos with their features (no disk cache).</summary>
    public static FeatureInversion.Training.FeatureDataset Crops(string representation, int count, int seed)
    {
        using var sampler = new FeatureInversion.Training.CropSampler(PhotosDirectory);
        return FeatureInversion.Training.FeatureDataset.Build(Representation(representation), sampler.Random(count, 64, seed), cacheDirectory: null, cacheKey: "");
    }

    public static ColorImage LoadPhoto(string name) => ImageFiles.Load(Path.Combine(PhotosDirectory, name));

    public static GrayImage LoadGray(string name) => LoadPhoto(name).ToGray();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("Cannot find the repository root (Serverless.sln) above " + AppContext.BaseDirectory);
    }
}
