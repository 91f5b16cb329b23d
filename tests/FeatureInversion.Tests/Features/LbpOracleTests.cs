using FeatureInversion.Oracle;

namespace FeatureInversion.Tests.Features;

/// <summary>Our LBP against VLFeat 0.9.21 vl_lbp (uniform, 58 patterns) on the same grayscale photographs.</summary>
[Trait(Tiers.Name, Tiers.Oracle)]
public class LbpOracleTests
{
    [Theory]
    [MemberData(nameof(TestData.Photos), MemberType = typeof(TestData))]
    public void MatchesVlFeatOnPhotographs(string photo)
    {
        var gray = TestData.LoadGray(photo);
        var (expected, rows, cols) = VlFeat.Lbp(gray.Pixels, gray.Width, gray.Height, 16);
        var actual = new LbpExtractor(16).Extract(gray);
        Assert.Equal(new FeatureShape(58, rows, cols), actual.Shape);
        HogOracleTests.AssertClose(expected, actual.Data, 1e-4f);
    }

    [Theory]
    [InlineData(47, 33, 16)]
    [InlineData(64, 64, 8)]
    [InlineData(100, 61, 10)]
    [InlineData(61, 45, 7)] // odd cells: integer offsets without the half-pixel shift
    [InlineData(90, 70, 15)]
    [InlineData(300, 200, 32)] // largest cell: widest moment bit fields
    public void MatchesVlFeatOnOddSizesAndCells(int width, int height, int cell)
    {
        var crop = HogOracleTests.Crop(TestData.LoadGray("coffee-480x320.jpg"), 13, 19, width, height);
        var (expected, rows, cols) = VlFeat.Lbp(crop.Pixels, width, height, cell);
        var actual = new LbpExtractor(cell).Extract(crop);
        Assert.Equal(new FeatureShape(58, rows, cols), actual.Shape);
        HogOracleTests.AssertClose(expected, actual.Data, 1e-4f);
    }

    [Fact]
    public void RefusesCellsAboveTheExactBinningLimit()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LbpExtractor(33));
    }
}
