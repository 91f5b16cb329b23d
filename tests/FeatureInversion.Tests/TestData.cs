namespace FeatureInversion.Tests;

/// <summary>Locates the repository's tests/data folder and loads its photographs.</summary>
internal static class TestData
{
    public static string Root { get; } = FindRoot();

    /// <summary>Every representation a TorchSharp host offers (hand-designed and ResNet18 layers).</summary>
    public static RepresentationRegistry Representations { get; } = CnnRepresentations.All(alexNetOnnx: "");

    /// <summary>The packaged ResNet18's files, checked to exist.</summary>
    public static ResNet18Files ResNet18 { get; } = Checked(ResNet18Files.Packaged());

    private static ResNet18Files Checked(ResNet18Files files) =>
        new(ResNet18Files.Existing(files.Model), ResNet18Files.Existing(files.Preprocess));

    /// <summary>One ResNet18 model (network loaded once) for the tests that build layers themselves.</summary>
    public static ResNet18Model ResNet18Model { get; } = new(ResNet18);

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
            foreach (var name in PhotoNames)
                data.Add(name);
            return data;
        }
    }

    /// <summary>Seeded 64×64 crops of the test photos with their features (a fixed set, as for evaluation).</summary>
    public static FeatureInversion.Training.Data.FeatureDataset Crops(string representation, int count, int seed)
    {
        using var sampler = new FeatureInversion.Training.Data.CropSampler(PhotosDirectory, 64);
        return FeatureInversion.Training.Data.FeatureDataset.Build(
            Representation(representation),
            sampler.Random(count, seed)
        );
    }

    /// <summary>The test photos pooled for 64-pixel crops (a temporary pool file, deleted on dispose).</summary>
    public static FeatureInversion.Training.Data.PhotoPool Pool(int size = 64) =>
        FeatureInversion.Training.Data.PhotoPool.Open(
            PhotosDirectory,
            FeatureInversion.Training.Data.CropSampler.PoolSide(size)
        );

    /// <summary>The smallest HOG training job that runs every phase (width 1/16, batch 4, one test crop per photo,
    /// one loader thread, seed 3, a checkpoint every 2 steps, evaluated only at the end) on the test photos.</summary>
    public static FeatureInversion.Training.TrainingJobOptions TinyHogJob(
        string output,
        int steps,
        double learningRate = 1e-3,
        bool resume = false,
        long halfPartBytes = 0
    ) =>
        new()
        {
            Representation = Representation("hog"),
            TrainDirectory = PhotosDirectory,
            TestDirectory = PhotosDirectory,
            OutputDirectory = output,
            Width = 0.0625,
            TestCropsPerPhoto = 1,
            LoaderThreads = 1,
            ResumeFrom = resume ? output : null,
            HalfPartBytes = halfPartBytes,
            Training = new FeatureInversion.Training.TrainingOptions
            {
                Steps = steps,
                BatchSize = 4,
                LearningRate = learningRate,
                Seed = 3,
                EvaluateEvery = 0,
                CheckpointEvery = 2,
            },
        };

    public static ColorImage LoadPhoto(string name) => ImageFiles.Load(Path.Combine(PhotosDirectory, name));

    public static GrayImage LoadGray(string name) => LoadPhoto(name).ToGray();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException(
            "Cannot find the repository root (Serverless.sln) above " + AppContext.BaseDirectory
        );
    }
}
