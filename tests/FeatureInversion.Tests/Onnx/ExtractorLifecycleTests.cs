namespace FeatureInversion.Tests.Onnx;

/// <summary>Tests that read the process's resident memory: run alone, after the parallel tests, so no other test's
/// allocations count against their bounds.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ResidentMemoryCollection
{
    public const string Name = "resident memory";
}

/// <summary>The extractor lifecycle (create, extract, dispose) releases a CNN layer's network.</summary>
[Trait(Tiers.Name, Tiers.Slow)]
[Collection(ResidentMemoryCollection.Name)]
public class ExtractorLifecycleTests
{
    [Fact]
    public void AThousandExtractorsCreatedUsedAndDisposedHoldNoNativeMemory()
    {
        // As ingestion and the verbs use a representation: create through the registry, extract, dispose. The
        // extractors stay reachable, so no finaliser can release a network that Dispose left behind: each would
        // keep its 5.6 MB of weights (this test network), 5.6 GB over the run. The process's resident memory is
        // read as it goes, so a leak fails after some 50 extractors instead of exhausting the machine.
        var descriptor = CnnRepresentations.All(AlexNetRepresentationTests.ModelPath()).Get("alexnet-conv1");
        var image = FeatureInversion
            .Imaging.ImageFiles.CenterSquare(TestData.LoadPhoto("astronaut-300x300.jpg"), 64)
            .ToGray();
        var output = new float[descriptor.OutputShape(64, 64).Length];
        var kept = new List<IFeatureRepresentation>();
        for (int i = 0; i < 20; i++)
            using (var warm = descriptor.Create())
                warm.Extract(image, output);
        // A leak grows every interval of 50 extractors by about 280 MB; the process's other threads (a test that
        // ran before, the runtime) may add a one-off jump, which once took 334 MiB. So the median growth per
        // interval is what must stay small; a total over 2 GiB stops the run early.
        long before = ResidentBytes(),
            last = before;
        const long stopAt = 2L << 30,
            perInterval = 32L << 20;
        var growth = new List<long>();
        for (int i = 0; i < 1000; i++)
        {
            var extractor = descriptor.Create();
            extractor.Extract(image, output);
            extractor.Dispose();
            kept.Add(extractor);
            if (i % 50 == 49)
            {
                long now = ResidentBytes();
                growth.Add(now - last);
                last = now;
                Assert.True(now - before < stopAt, $"resident memory grew by {(now - before) >> 20} MiB");
            }
        }
        long median = growth.Order().ElementAt(growth.Count / 2);
        Assert.True(
            median < perInterval,
            $"resident memory grew by {median >> 20} MiB per 50 extractors (median; intervals: "
                + $"{string.Join(", ", growth.Select(g => g >> 20))} MiB)"
        );
        Assert.Throws<ObjectDisposedException>(() => kept[0].Extract(image, output));
        GC.KeepAlive(kept);
    }

    /// <summary>Resident bytes after a full collection: the parsed graphs are managed garbage (5.6 MB each) that would
    /// otherwise count until the GC runs. It cannot hide a leak: an undisposed network stays reachable through its
    /// kept extractor.</summary>
    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
