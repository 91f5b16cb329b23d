using FeatureInversion.Features.Sift;

namespace FeatureInversion.Tests.Features;

public class SparseSiftGridTests
{
    [Theory]
    [InlineData(64, 64, 16, 16)]
    [InlineData(256, 256, 64, 64)]
    [InlineData(30, 21, 8, 6)] // ceil: no keypoint outside the grid
    public void ShapeIsDPlus5ChannelsOnFourPixelCells(int width, int height, int cols, int rows)
    {
        Assert.Equal(new FeatureShape(133, rows, cols), new SparseSiftGrid().OutputShape(width, height));
    }

    [Fact]
    public void EachOccupiedCellHoldsOneOfItsFramesAndOthersAreZero()
    {
        var gray = TestData.LoadGray("camera-256x256.jpg");
        var frames = new SiftDetector().Detect(gray);
        var grid = new SparseSiftGrid();
        var map = grid.Extract(gray);
        int rows = map.Shape.Rows,
            cols = map.Shape.Cols,
            cells = rows * cols;

        var byCell = frames
            .GroupBy(f => (int)(f.Y / 4) * cols + (int)(f.X / 4))
            .ToDictionary(g => g.Key, g => g.ToList());
        Assert.True(byCell.Values.Any(g => g.Count > 1), "the photo should have cells with several frames");
        for (int cell = 0; cell < cells; cell++)
        {
            var values = Enumerable.Range(0, 133).Select(c => map.Data[c * cells + cell]).ToArray();
            if (!byCell.TryGetValue(cell, out var candidates))
            {
                Assert.All(values, v => Assert.Equal(0f, v));
                continue;
            }
            var chosen = candidates.SingleOrDefault(f =>
                values.AsSpan(0, 128).SequenceEqual(f.Descriptor) && MathF.Abs(MathF.Sin(f.Angle) - values[130]) < 1e-6f
            );
            Assert.NotNull(chosen);
            Assert.Equal(chosen.X % 4, values[128], 1e-4f);
            Assert.Equal(chosen.Y % 4, values[129], 1e-4f);
            Assert.Equal(MathF.Cos(chosen.Angle), values[131], 1e-6f);
            Assert.Equal(MathF.Log(chosen.Sigma), values[132], 1e-6f);
            Assert.InRange(values[128], 0f, 4f);
        }
    }

    [Fact]
    public void CollisionChoiceIsDeterministicPerSeedAndDependsOnIt()
    {
        var gray = TestData.LoadGray("chelsea-451x300.jpg");
        var a = new SparseSiftGrid(seed: 1).Extract(gray).Data;
        var b = new SparseSiftGrid(seed: 1).Extract(gray).Data;
        var c = new SparseSiftGrid(seed: 2).Extract(gray).Data;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}
