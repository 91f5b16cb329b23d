namespace FeatureInversion.Tests.Features;

/// <summary>The feature view of the gallery and the contact sheets: which picture it draws for which map, and its
/// values.</summary>
public class FeatureEnergyTests
{
    [Fact]
    public void HogShowsThePerCellNormOverChannels()
    {
        var map = new HogExtractor().Extract(TestData.LoadGray("coffee-480x320.jpg"));
        var (values, rows, cols, kind) = FeatureEnergy.Grid(map);
        Assert.Equal(FeatureViewKind.Energy, kind);
        Assert.Equal((map.Shape.Rows, map.Shape.Cols), (rows, cols));
        foreach (var (r, c) in new[] { (0, 0), (rows / 2, cols / 3), (rows - 1, cols - 1) })
        {
            double norm = Math.Sqrt(
                Enumerable.Range(0, map.Shape.Channels).Sum(k => (double)map[k, r, c] * map[k, r, c])
            );
            Assert.Equal(norm, values[r * cols + c], 4);
        }
    }

    [Fact]
    public void LbpWhoseCellsAllHaveNormOneShowsEachCellsDistanceFromTheMeanCell()
    {
        var map = new LbpExtractor().Extract(TestData.LoadGray("coffee-480x320.jpg"));
        // VLFeat's normalisation: every cell's histogram has unit L2 norm, so an energy view would be one colour.
        for (int i = 0; i < map.Shape.Rows * map.Shape.Cols; i++)
            Assert.Equal(
                1.0,
                Math.Sqrt(Enumerable.Range(0, 58).Sum(k => (double)map.Channel(k)[i] * map.Channel(k)[i])),
                4
            );

        var (values, rows, cols, kind) = FeatureEnergy.Grid(map);
        Assert.Equal(FeatureViewKind.Contrast, kind);
        int n = rows * cols;
        var mean = Enumerable.Range(0, 58).Select(k => map.Channel(k).ToArray().Average(v => (double)v)).ToArray();
        for (int i = 0; i < n; i += 7)
        {
            double distance = Math.Sqrt(Enumerable.Range(0, 58).Sum(k => Math.Pow(map.Channel(k)[i] - mean[k], 2)));
            Assert.Equal(distance, values[i], 4);
        }
        // A photograph's cells differ: the view has structure, not one flat value.
        Assert.True(values.Max() > 2 * values.Min(), $"contrast {values.Min():F3}..{values.Max():F3}");
    }

    [Fact]
    public void AVectorShowsItsChannelsOnANearSquareGrid()
    {
        var map = new FeatureMap(new FeatureShape(10, 1, 1), [1, -2, 3, 0, 0, 0, 0, 0, 0, -9]);
        var (values, rows, cols, kind) = FeatureEnergy.Grid(map);
        Assert.Equal(FeatureViewKind.Channels, kind);
        Assert.Equal((3, 4), (rows, cols)); // ⌈√10⌉ = 4 columns, 3 rows, the last two cells empty
        Assert.Equal(new float[] { 1, 2, 3, 0, 0, 0, 0, 0, 0, 9, 0, 0 }, values);
    }

    [Fact]
    public void IdenticalCellsGiveAnAllDarkViewWithoutNaN()
    {
        // Every position the same unit vector: flat energy, zero contrast everywhere.
        var data = new float[2 * 3 * 3];
        for (int i = 0; i < 9; i++)
        {
            data[i] = 0.6f;
            data[9 + i] = 0.8f;
        }
        var map = new FeatureMap(new FeatureShape(2, 3, 3), data);
        Assert.Equal(FeatureViewKind.Contrast, FeatureEnergy.Grid(map).Kind);
        var view = FeatureEnergy.Render(map, 12, out var kind);
        Assert.Equal(FeatureViewKind.Contrast, kind);
        Assert.All(view.Planes, v => Assert.True(float.IsFinite(v)));
        Assert.Single(view.Planes.Take(144).Distinct()); // one colour: the ramp's lowest stop
        Assert.Equal(0f, FeatureEnergy.RenderGray(map, 12).Planes.Max());
    }

    [Fact]
    public void RenderScalesToTheMaximumAndEnlargesNearestNeighbour()
    {
        var map = new FeatureMap(new FeatureShape(1, 1, 2), [1, 4]);
        var gray = FeatureEnergy.RenderGray(map, 4);
        Assert.Equal(FeatureViewKind.Energy, FeatureEnergy.Grid(map).Kind);
        // first row: left cell ¼ of the maximum, right cell the maximum
        Assert.Equal(new[] { 0.25f, 0.25f, 1f, 1f }, gray.Planes.Take(4));
        var colour = FeatureEnergy.Render(map, 4);
        Assert.Equal(0.993f, colour.Planes[3], 3); // the maximum is the ramp's yellow end (red channel)
    }
}
