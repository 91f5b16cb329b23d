namespace FeatureInversion.Tests.Features;

/// <summary>Every representation refuses bad input with a clear message instead of producing garbage.</summary>
public class InputValidationTests
{
    public static TheoryData<string> Representations => new(RepresentationRegistry.HandDesigned().Names);

    [Theory]
    [MemberData(nameof(Representations))]
    public void RefusesImagesSmallerThanOneCell(string name)
    {
        var representation = TestData.Representations.Create(name);
        var e = Assert.Throws<ArgumentException>(() => representation.Extract(new GrayImage(3, 40)));
        Assert.Contains("smaller than the minimum", e.Message);
    }

    [Theory]
    [MemberData(nameof(Representations))]
    public void RefusesNonFinitePixels(string name)
    {
        var image = TestData.LoadGray("camera-256x256.jpg");
        image[10, 20] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => TestData.Representations.Create(name).Extract(image));
        Assert.Contains("non-finite pixel at (10, 20)", e.Message);
    }

    [Theory]
    [MemberData(nameof(Representations))]
    public void RefusesAnOutputBufferOfTheWrongLength(string name)
    {
        var image = TestData.LoadGray("camera-256x256.jpg");
        var representation = TestData.Representations.Create(name);
        var buffer = new float[representation.OutputShape(image.Width, image.Height).Length - 1];
        Assert.Throws<ArgumentException>(() => representation.Extract(image, buffer));
    }

    [Fact]
    public void RefusesEmptyImagesAndUnknownNames()
    {
        Assert.Throws<ArgumentException>(() => new GrayImage(0, 10));
        var e = Assert.Throws<ArgumentException>(() => TestData.Representations.Create("hogg"));
        Assert.Contains("hog, lbp, sift-grid", e.Message);
    }

    [Fact]
    public void UniformLbpMappingHas58Classes()
    {
        var bins = Enumerable.Range(0, 256).Select(LbpExtractor.Quantize).ToArray();
        Assert.Equal(58, bins.Distinct().Count());
        Assert.Equal(56, LbpExtractor.Quantize(0x00));
        Assert.Equal(56, LbpExtractor.Quantize(0xff));
        Assert.Equal(198, bins.Count(b => b == 57)); // 256 − 56 two-transition patterns − 2 constant ones
        Assert.Equal(0, LbpExtractor.Quantize(0b0000_0001)); // run of one starting at E
        Assert.Equal(7 * 7 + 1, LbpExtractor.Quantize(0b1000_0001)); // run of two starting at NE, wrapping
    }
}
