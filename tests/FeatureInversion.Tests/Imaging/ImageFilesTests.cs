using FeatureInversion.Imaging;

namespace FeatureInversion.Tests.Imaging;

public class ImageFilesTests
{
    [Fact]
    public void GrayscaleUsesMatlabRgb2GrayWeightsWithoutRounding()
    {
        var image = new ColorImage(1, 1, [0.2f, 0.6f, 1.0f]);
        Assert.Equal(0.2989f * 0.2f + 0.5870f * 0.6f + 0.1140f * 1.0f, image.ToGray()[0, 0], 1e-7f);
    }

    [Fact]
    public void PngRoundTripKeepsEightBitValues()
    {
        var photo = TestData.LoadPhoto("astronaut-300x300.jpg");
        var path = Path.Combine(Path.GetTempPath(), $"fi-{Guid.NewGuid():N}.png");
        try
        {
            ImageFiles.SavePng(photo, path);
            var back = ImageFiles.Load(path);
            Assert.Equal(photo.Planes, back.Planes);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void CorruptEmptyAndNonImageBytesGiveClearErrors()
    {
        var jpeg = File.ReadAllBytes(Path.Combine(TestData.PhotosDirectory, "camera-256x256.jpg"));
        Assert.Contains("empty file", Assert.Throws<InvalidImageException>(() => ImageFiles.Decode([], "a.jpg")).Message);
        Assert.Contains("not a recognised image format", Assert.Throws<InvalidImageException>(() => ImageFiles.Decode("hello"u8, "b.txt")).Message);
        foreach (int length in new[] { 600, jpeg.Length / 2, jpeg.Length - 2 })
        {
            var truncated = jpeg.AsSpan(0, length).ToArray();
            Assert.Contains("c.jpg: corrupt image data", Assert.Throws<InvalidImageException>(() => ImageFiles.Decode(truncated, "c.jpg")).Message);
        }
        Assert.Equal(256, ImageFiles.Decode(jpeg, "whole.jpg").Width);

        using var png = new MemoryStream();
        ImageFiles.SavePng(TestData.LoadPhoto("camera-256x256.jpg"), png);
        var cut = png.ToArray().AsSpan(0, (int)png.Length / 2).ToArray();
        Assert.StartsWith("d.png:", Assert.Throws<InvalidImageException>(() => ImageFiles.Decode(cut, "d.png")).Message);
    }
}
