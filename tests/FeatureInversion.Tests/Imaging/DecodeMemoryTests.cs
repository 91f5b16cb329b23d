namespace FeatureInversion.Tests.Imaging;

/// <summary>The bound on full-resolution decodes in flight: never more than the capacity held at once, an image
/// larger than the capacity decoded alone, reservations granted in arrival order.</summary>
public class DecodeMemoryTests
{
    [Fact]
    public async Task AReservationThatDoesNotFitWaitsForTheRelease()
    {
        var memory = new DecodeMemory(100);
        var first = memory.Reserve(60);
        var second = Task.Run(() => memory.Reserve(60));
        await WaitUntil(() => memory.Waiting == 1);
        Assert.False(second.IsCompleted);
        Assert.Equal(60, memory.HeldBytes);

        first.Dispose();
        using var lease = await second;
        Assert.Equal(60, memory.HeldBytes);
        Assert.Equal(60, memory.PeakHeldBytes);

        first.Dispose(); // a second dispose releases nothing more
        Assert.Equal(60, memory.HeldBytes);
    }

    [Fact]
    public async Task AnImageLargerThanTheCapacityRunsAloneAndOthersWaitForIt()
    {
        var memory = new DecodeMemory(100);
        var large = memory.Reserve(500); // nothing held: granted, or the image could never be decoded
        var small = Task.Run(() => memory.Reserve(10));
        await WaitUntil(() => memory.Waiting == 1);
        Assert.False(small.IsCompleted);

        large.Dispose();
        (await small).Dispose();
        Assert.Equal(0, memory.HeldBytes);
        Assert.Equal(500, memory.PeakHeldBytes);
    }

    [Fact]
    public async Task ALaterSmallReservationDoesNotOvertakeAWaitingLargeOne()
    {
        // The small one fits beside what is held but not beside the large one, so the order of grants is
        // observable without racing the two threads that return from Reserve.
        var memory = new DecodeMemory(100);
        var held = memory.Reserve(60);
        var large = Task.Run(() => memory.Reserve(80));
        await WaitUntil(() => memory.Waiting == 1);
        var small = Task.Run(() => memory.Reserve(30)); // 60 + 30 fit, but the 80 asked first
        await WaitUntil(() => memory.Waiting == 2);
        Assert.False(large.IsCompleted);
        Assert.False(small.IsCompleted);

        held.Dispose();
        var first = await large;
        await WaitUntil(() => memory.Waiting == 1);
        Assert.False(small.IsCompleted); // 80 + 30 do not fit: it waits for the large one
        Assert.Equal(80, memory.HeldBytes);

        first.Dispose();
        using var second = await small;
        Assert.Equal(30, memory.HeldBytes);
        Assert.Equal(80, memory.PeakHeldBytes);
    }

    [Fact]
    public void ManyThreadsNeverHoldMoreThanTheCapacity()
    {
        var memory = new DecodeMemory(1000);
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            using var lease = memory.Reserve(50 + i * 37 % 600);
            Thread.SpinWait(200);
        });
        Assert.Equal(0, memory.HeldBytes);
        Assert.InRange(memory.PeakHeldBytes, 649, 1000);
    }

    [Fact]
    public void TheEstimateIsNineBytesPerStoredPixel()
    {
        Assert.Equal(7000L * 5000 * 9, DecodeMemory.Estimate(new ImageHeader(7000, 5000, "JPEG", 6)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecodeMemory(0));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 2000 && !condition(); i++)
            await Task.Delay(5);
        Assert.True(condition(), "the reservation never started waiting");
    }
}
