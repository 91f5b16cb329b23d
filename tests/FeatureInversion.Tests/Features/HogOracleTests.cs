using FeatureInversion.Oracle;

namespace FeatureInversion.Tests.Features;

/// <summary>Our HOG against VLFeat 0.9.21 vl_hog (UoCTTI, 9 orientations) on the same grayscale photographs.</summary>
[Trait(Tiers.Name, Tiers.Oracle)]
public class HogOracleTests
{
    [Theory]
    [MemberData(nameof(TestData.Photos), MemberType = typeof(TestData))]
    public void MatchesVlFeatOnPhotographs(string photo)
    {
        var gray = TestData.LoadGray(photo);
        var (expected, dim, rows, cols) = VlFeat.Hog(gray.Pixels, gray.Width, gray.Height, 8);

        var hog = new HogExtractor(8);
        var actual = hog.Extract(gray);

        Assert.Equal(new FeatureShape(dim, rows, cols), actual.Shape);
        Assert.Equal(31, dim);
        AssertClose(expected, actual.Data, 1e-4f);
    }

    [Theory]
    [InlineData(227, 227, 8)]
    [InlineData(37, 23, 8)]
    [InlineData(64, 64, 4)]
    [InlineData(65, 90, 16)]
    public void MatchesVlFeatOnOddSizesAndCells(int width, int height, int cell)
    {
        var gray = TestData.LoadGray("chelsea-451x300.jpg");
        var crop = Crop(gray, 31, 17, width, height);
        var (expected, dim, rows, cols) = VlFeat.Hog(crop.Pixels, width, height, cell);
        var actual = new HogExtractor(cell).Extract(crop);
        Assert.Equal(new FeatureShape(dim, rows, cols), actual.Shape);
        AssertClose(expected, actual.Data, 1e-4f);
    }

    /// <summary>A 64×64 crop of a photograph on which an earlier version differed from VLFeat by up to 0.08 in a
    /// 3×3-cell patch: a gradient whose orientation lies exactly between two bins must go to the bin VLFeat
    /// picks.</summary>
    [Fact]
    public void MatchesVlFeatOnTheOrientationTieFixture()
    {
        var gray = FeatureInversion
            .Imaging.ImageFiles.Load(
                Path.Combine(TestData.Root, "tests", "data", "fixtures", "hog-vlfeat-mismatch-64x64.png")
            )
            .ToGray();
        var (expected, dim, rows, cols) = VlFeat.Hog(gray.Pixels, gray.Width, gray.Height, 8);
        var actual = new HogExtractor(8).Extract(gray);
        Assert.Equal(new FeatureShape(dim, rows, cols), actual.Shape);
        AssertClose(expected, actual.Data, 1e-4f);
    }

    [Fact]
    public void OneExtractorServesImagesOfDifferentSizes()
    {
        var hog = new HogExtractor();
        var a = TestData.LoadGray("camera-256x256.jpg");
        var b = TestData.LoadGray("rocket-427x285.jpg");
        var first = hog.Extract(a).Data;
        hog.Extract(b);
        Assert.Equal(first, hog.Extract(a).Data);
    }

    internal static FeatureInversion.Imaging.GrayImage Crop(
        FeatureInversion.Imaging.GrayImage image,
        int x0,
        int y0,
        int width,
        int height
    )
    {
        var pixels = new float[width * height];
        for (int y = 0; y < height; y++)
            image.Pixels.AsSpan((y0 + y) * image.Width + x0, width).CopyTo(pixels.AsSpan(y * width));
        return new FeatureInversion.Imaging.GrayImage(width, height, pixels);
    }

    internal static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.Contains(expected, v => Math.Abs(v) > 0.05f); // the reference is not an empty map
        float worst = 0;
        int worstAt = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            float d = Math.Abs(expected[i] - actual[i]);
            if (d > worst)
            {
                worst = d;
                worstAt = i;
            }
        }
        Assert.True(
            worst <= tolerance,
            $"max abs difference {worst} at {worstAt} (expected {(worstAt >= 0 ? expected[worstAt] : 0)}, got "
                + $"{(worstAt >= 0 ? actual[worstAt] : 0)})"
        );
    }
}
