using FeatureInversion.Training.Data;

namespace FeatureInversion.Tests.Platform;

/// <summary>
/// Rules out the project's own code as a source of garbage in the networks' inputs (issue 23): the training ring's
/// batch buffers and the inference buffer are reused, and libtorch's host tensors come from <c>empty</c>; each is
/// safe only if every value is written before it is read. Buffers are pre-filled with NaN here, so a value left
/// unwritten shows up as NaN.
/// </summary>
[Collection(nameof(Training.TorchRandomCollection))] // bit-exact repeats: no kernel switch may happen between them
public class UninitializedInputTests
{
    public static TheoryData<string> Representations =>
        new() { "hog", "lbp", "sift-grid", "resnet18-conv1", "resnet18-res3", "resnet18-pool5" };

    [Theory]
    [MemberData(nameof(Representations))]
    public void ExtractionWritesEveryValueOfItsOutput(string name)
    {
        var representation = TestData.Representation(name).Create();
        try
        {
            var image = ImageFiles.CenterSquare(TestData.LoadPhoto("coffee-480x320.jpg"), 64).ToGray();
            var fresh = representation.Extract(image);
            var reused = new float[fresh.Data.Length];
            Array.Fill(reused, float.NaN);
            representation.Extract(image, reused);
            Assert.Equal(fresh.Data, reused);
        }
        finally
        {
            representation.Dispose();
        }
    }

    [Fact]
    public void EveryBatchOfTheTrainingRingIsWrittenWholeBeforeItIsTaken()
    {
        using var pool = TestData.Pool();
        // Depth 2 ring, 6 batches: each slot is reused twice; a value not rewritten would repeat the previous batch's.
        using var stream = new StreamingBatches(
            pool,
            TestData.Representation("sift-grid"),
            64,
            4,
            seed: 9,
            augmentation: new CropAugmentation(0.5),
            producers: 2,
            depth: 2
        );
        using var fresh = new StreamingBatches(
            pool,
            TestData.Representation("sift-grid"),
            64,
            4,
            seed: 9,
            augmentation: new CropAugmentation(0.5),
            producers: 1,
            depth: 8
        );
        for (int k = 0; k < 6; k++)
        {
            var a = stream.Take();
            var b = fresh.Take();
            Assert.Equal(b.Features, a.Features);
            Assert.Equal(b.Images, a.Images);
            Array.Fill(a.Features, float.NaN); // poison the slot before it goes back to the ring
            Array.Fill(a.Images, float.NaN);
            stream.Return(a);
            fresh.Return(b);
        }
    }
}
