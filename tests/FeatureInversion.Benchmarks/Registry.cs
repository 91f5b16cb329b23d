namespace FeatureInversion.Benchmarks;

/// <summary>The representations every benchmark resolves names in: hand-designed and ResNet18 layers.</summary>
internal static class Benchmark
{
    public static RepresentationRegistry Registry { get; } = CnnRepresentations.All(null);
}
