namespace FeatureInversion.Tests.Onnx;

/// <summary>ResNet18 layers at any image size from 32 pixels, square or not (the input is padded on the bottom and
/// right to a multiple of the layer's stride; sizes that are multiples are unchanged).</summary>
[Trait(Tiers.Name, Tiers.Slow)]
public class ResNet18SizesTests
{
    [Theory]
    [InlineData(224, 224)]
    [InlineData(300, 300)]
    [InlineData(451, 300)]
    [InlineData(1000, 750)]
    [InlineData(33, 47)]
    public void EveryLayerGivesFiniteMapsOfTheDocumentedShape(int width, int height)
    {
        var random = new Random(width * 7 + height);
        var pixels = Enumerable.Range(0, width * height).Select(_ => (float)random.NextDouble()).ToArray();
        var image = new GrayImage(width, height, pixels);
        foreach (var layer in new[] { "conv1", "res2", "res3", "res4", "res5", "pool5" })
        {
            var rep = new ResNet18Representation(TestData.ResNet18Model, layer);
            var shape = rep.OutputShape(width, height);
            if (layer == "pool5")
                Assert.Equal(new FeatureShape(512, 1, 1), shape);
            else
                Assert.Equal(
                    ((height + rep.Stride - 1) / rep.Stride, (width + rep.Stride - 1) / rep.Stride),
                    (shape.Rows, shape.Cols)
                );
            var map = rep.Extract(image);
            Assert.Equal(shape, map.Shape);
            Assert.All(map.Data, v => Assert.True(float.IsFinite(v), $"{layer} at {width}x{height}"));
        }
    }

    [Fact]
    public void APhotoOf300PixelsGivesRes3On38PositionsAndImagesUnder32AreRefused()
    {
        // 300 is padded to 304 = 38 × 8; before, the residual sum failed on the 75-pixel pool1 map (37 against 38
        // rows).
        var photo = TestData.LoadPhoto("astronaut-300x300.jpg").ToGray();
        var rep = new ResNet18Representation(TestData.ResNet18Model, "res3");
        var full = rep.Extract(photo);
        Assert.Equal(new FeatureShape(128, 38, 38), full.Shape);
        Assert.Throws<ArgumentException>(() => rep.OutputShape(31, 64));
    }
}
