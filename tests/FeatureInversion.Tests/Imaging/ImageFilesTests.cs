using SixLabors.ImageSharp.Processing;

namespace FeatureInversion.Tests.Imaging;

public class ImageFilesTests
{
    [Fact]
    public void GrayscaleUsesMatlabRgb2GrayWeightsWithoutRounding()
    {
        var image = new ColorImage(1, 1, [0.2f, 0.6f, 1.0f]);
        Assert.Equal(0.2989f * 0.2f + 0.5870f * 0.6f + 0.1140f * 1.0f, image.ToGray()[0, 0], 1e-7f);
    }

    /// <summary>A stream that hides its length, as a network download does.</summary>
    private sealed class Unseekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(81920)]
    [InlineData(200_001)]
    public void ReadLimitedReturnsTheBytesFromWhereTheStreamStandsSeekableOrNot(int length)
    {
        var bytes = Enumerable.Range(0, length + 7).Select(i => (byte)(i * 31)).ToArray();
        var limits = new ImageLimits { MaxBytes = length };
        using var seekable = new MemoryStream(bytes) { Position = 7 };
        Assert.Equal(bytes[7..], ImageFiles.ReadLimited(seekable, "s", limits));
        using var unseekable = new Unseekable(bytes);
        unseekable.ReadExactly(new byte[7]);
        Assert.Equal(bytes[7..], ImageFiles.ReadLimited(unseekable, "u", limits));
        // One byte over the limit is refused either way (the seekable one before reading).
        using var over = new MemoryStream(bytes) { Position = 6 };
        Assert.Throws<InvalidImageException>(() => ImageFiles.ReadLimited(over, "s", limits));
        using var overUnseekable = new Unseekable(bytes);
        overUnseekable.ReadExactly(new byte[6]);
        Assert.Throws<InvalidImageException>(() => ImageFiles.ReadLimited(overUnseekable, "u", limits));
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
        Assert.Contains(
            "empty file",
            Assert.Throws<InvalidImageException>(() => ImageFiles.Decode(Array.Empty<byte>(), "a.jpg")).Message
        );
        Assert.Contains(
            "not a recognised image format",
            Assert.Throws<InvalidImageException>(() => ImageFiles.Decode("hello"u8.ToArray(), "b.txt")).Message
        );
        foreach (int length in new[] { 600, jpeg.Length / 2, jpeg.Length - 2 })
        {
            var truncated = jpeg.AsSpan(0, length).ToArray();
            Assert.Contains(
                "c.jpg: corrupt image data",
                Assert.Throws<InvalidImageException>(() => ImageFiles.Decode(truncated, "c.jpg")).Message
            );
        }
        Assert.Equal(256, ImageFiles.Decode(jpeg, "whole.jpg").Width);

        using var png = new MemoryStream();
        ImageFiles.SavePng(TestData.LoadPhoto("camera-256x256.jpg"), png);
        var cut = png.ToArray().AsSpan(0, (int)png.Length / 2).ToArray();
        Assert.StartsWith(
            "d.png:",
            Assert.Throws<InvalidImageException>(() => ImageFiles.Decode(cut, "d.png")).Message
        );
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void ExifOrientationIsAppliedAsImageSharpsAutoOrientAndTheViewIsTheUprightCentreSquare(int orientation)
    {
        var bytes = FeatureInversion.Tests.Reliability.HostileCorpus.Rotated(
            FeatureInversion.Tests.Reliability.HostileCorpus.Gradient(97, 64),
            (ushort)orientation
        );
        using var reference = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(bytes);
        reference.Mutate(c => c.AutoOrient());
        var upright = ImageFiles.Decode(bytes, "rotated.jpg");
        Assert.Equal((reference.Width, reference.Height), (upright.Width, upright.Height));
        Assert.Equal(Rgb24Pixels.ToColorImage(reference).Planes, upright.Planes);

        // Our own mapping (used for views, which never build the full upright image) agrees with AutoOrient.
        using var stored = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(bytes);
        Assert.Equal(upright.Planes, ExifOrientation.Apply(Rgb24Pixels.ToColorImage(stored), orientation).Planes);

        // The gallery's thumbnail of the whole photo: upright, longer side 40 here, no EXIF left (no GPS or camera data
        // in results).
        var upload = ImageFiles.DecodeUpload(bytes, "rotated.jpg", [32], thumbnailSide: 40);
        using var thumbnail = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(
            upload.Thumbnail!
        );
        Assert.Equal(upright.Width > upright.Height ? (40, 26) : (26, 40), (thumbnail.Width, thumbnail.Height));
        Assert.Null(thumbnail.Metadata.ExifProfile);
        Assert.Equal(ImageFiles.DecodeView(bytes, "rotated.jpg", 32).View.Planes, upload.Views[32].Planes);

        var (view, header) = ImageFiles.DecodeView(bytes, "rotated.jpg", 32);
        Assert.Equal((upright.Width, upright.Height), (header.Width, header.Height));
        var expected = ImageFiles.CenterSquare(upright, 32).Planes;
        // same square; resampling order may round differently
        Assert.All(expected.Zip(view.Planes), p => Assert.Equal(p.First, p.Second, 1.5f / 255));
    }
}
