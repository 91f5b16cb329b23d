using FeatureInversion.Training.Data;

namespace FeatureInversion.Tests.Training;

/// <summary>Rotation and contrast/brightness of training crops (issue 32's augmentation rows).</summary>
public sealed class CropAugmentationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fi-augment-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A 400 × 400 photo whose red is 0.6·x and green 0.6·y (pixel indices), blue 128: the tent filter and
    /// bilinear reads reproduce a linear image, so every crop's value says where in the photo it was read.</summary>
    private PhotoPool LinearPhoto()
    {
        const int n = 400;
        var image = new ColorImage(n, n);
        for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++)
        {
            image.Plane(0)[y * n + x] = 0.6f * x / 255f;
            image.Plane(1)[y * n + x] = 0.6f * y / 255f;
            image.Plane(2)[y * n + x] = 128 / 255f;
        }
        ImageFiles.SavePng(image, Path.Combine(_dir, "linear.png"));
        return PhotoPool.Open(_dir, n);
    }

    [Theory]
    [InlineData(0.35, false)]
    [InlineData(-0.5, false)]
    [InlineData(0.2, true)]
    public void ARotatedCropReadsThePhotoAlongTheTurnedAxes(double angle, bool mirror)
    {
        using var pool = LinearPhoto();
        const int size = 64,
            side = 160,
            x0 = 120,
            y0 = 100;
        var renderer = new CropRenderer(size);
        var crop = new float[3 * size * size];
        renderer.Render(pool, new CropDraw(0, x0, y0, side, mirror, false, 0, 1, (float)angle), crop);

        double scale = (double)side / size,
            cx = x0 + side / 2.0,
            cy = y0 + side / 2.0;
        int checkedPixels = 0;
        for (int i = 2; i < size - 2; i++)
        for (int j = 2; j < size - 2; j++)
        {
            // Where this output pixel's centre lies in the photo (mirroring flips the crop's columns first).
            double u = ((mirror ? size - 1 - j : j) + 0.5 - size / 2.0) * scale,
                v = (i + 0.5 - size / 2.0) * scale;
            double sign = mirror ? -1 : 1;
            double px = cx + Math.Cos(angle) * u - sign * Math.Sin(angle) * v - 0.5,
                py = cy + sign * Math.Sin(angle) * u + Math.Cos(angle) * v - 0.5;
            Assert.InRange(crop[i * size + j] * 255 - 0.6 * px, -1.5, 1.5);
            Assert.InRange(crop[size * size + i * size + j] * 255 - 0.6 * py, -1.5, 1.5);
            Assert.Equal(128f / 255, crop[2 * size * size + i * size + j], 5);
            checkedPixels++;
        }
        Assert.Equal((size - 4) * (size - 4), checkedPixels);
    }

    [Fact]
    public void ContrastKeepsTheMeanLuminanceAndBrightnessShiftsIt()
    {
        using var sampler = new CropSampler(TestData.PhotosDirectory, 64);
        var crop = sampler.Evaluation(1)[2];
        double Mean(ColorImage c) => c.ToGray().Pixels.ToArray().Average();
        double Spread(ColorImage c)
        {
            var g = c.ToGray().Pixels.ToArray();
            double m = g.Average();
            return Math.Sqrt(g.Average(v => (v - m) * (v - m)));
        }
        var lower = new ColorImage(64, 64, (float[])crop.Planes.Clone());
        Photometric.Apply(lower.Plane(0), lower.Plane(1), lower.Plane(2), 0.7f, 0);
        Assert.Equal(Mean(crop), Mean(lower), 2);
        Assert.Equal(0.7 * Spread(crop), Spread(lower), 2);
        var brighter = new ColorImage(64, 64, (float[])crop.Planes.Clone());
        Photometric.Apply(brighter.Plane(0), brighter.Plane(1), brighter.Plane(2), 1, 0.05f);
        // 0.05 is 12.75 levels, rounded to 13; less only where 1 clamps
        Assert.InRange(Mean(brighter) - Mean(crop), 0.04, 13 / 255.0 + 1e-6);
        Assert.All(brighter.Planes, v => Assert.Equal(Math.Round(v * 255), v * 255, 3)); // 8-bit levels
    }

    [Fact]
    public void DrawsStayInsideThePhotoAtEveryAngleAndOffDrawsNothingMore()
    {
        using var pool = TestData.Pool();
        var on = new CropAugmentation(0.5, 30, 0.5);
        var a = SplitMix.For(7, 0);
        var renderer = new CropRenderer(64);
        var crop = new float[3 * 64 * 64];
        for (int k = 0; k < 300; k++)
        {
            var draw = CropDraw.Random(ref a, pool, 64, on);
            var (w, h) = pool.Size(draw.Photo);
            Assert.InRange(Math.Abs(draw.Rotation), 0, 30 * Math.PI / 180 + 1e-6);
            double reach = draw.Side * on.Room / 2; // the turned crop's half-extent
            Assert.InRange(draw.X + draw.Side / 2.0 - reach, -1, w);
            Assert.InRange(draw.X + draw.Side / 2.0 + reach, 0, w + 1);
            Assert.InRange(draw.Y + draw.Side / 2.0 + reach, 0, h + 1);
            renderer.Render(pool, draw, crop);
            Assert.All(crop, v => Assert.InRange(v, 0, 1));
        }
        // Off, the generator is left where colour jitter alone leaves it: later crops are those of earlier runs.
        var b = SplitMix.For(7, 0);
        var c = SplitMix.For(7, 0);
        CropDraw.Random(ref b, pool, 64, new CropAugmentation(0.5));
        CropDraw.Random(ref c, pool, 64, new CropAugmentation(0.5, 0, 0));
        Assert.Equal(b.Next(1 << 30), c.Next(1 << 30));
        var e = SplitMix.For(7, 0);
        CropDraw.Random(ref e, pool, 64, new CropAugmentation(0.5));
        var d = SplitMix.For(7, 0);
        CropDraw.Random(ref d, pool, 64, new CropAugmentation(0.5, 10, 0)); // one draw more: the angle
        Assert.NotEqual(e.Next(1 << 30), d.Next(1 << 30));
    }

    [Theory]
    [InlineData(-0.1, 0, 0)]
    [InlineData(0, 31, 0)]
    [InlineData(0, 0, 1.5)]
    [InlineData(double.NaN, 0, 0)]
    public void SettingsOutOfRangeAreNamed(double jitter, double rotation, double photometric) =>
        Assert.NotNull(new CropAugmentation(jitter, rotation, photometric).Problem());

    [Fact]
    public void AFeatureCacheOfAugmentedCropsIsNotTheOneOfPlainCrops()
    {
        using var pool = TestData.Pool();
        string Folder(CropAugmentation augmentation)
        {
            using var cache = FeatureShardCache.Open(
                _dir,
                pool,
                TestData.Representation("hog"),
                64,
                1,
                augmentation,
                capacity: 4
            );
            return cache.Folder;
        }
        Assert.Equal(Folder(new CropAugmentation(0.5)), Folder(new CropAugmentation(0.5)));
        Assert.NotEqual(Folder(new CropAugmentation(0.5)), Folder(new CropAugmentation(0.5, 10)));
        Assert.NotEqual(Folder(new CropAugmentation(0.5)), Folder(new CropAugmentation(0.5, 0, 0.5)));
        // Off, the name is the one it had before rotation and contrast existed (no new keys in its description).
        Assert.DoesNotContain(
            "Rotation",
            File.ReadAllText(Path.Combine(Folder(new CropAugmentation(0.5)), "cache.json"))
        );
    }
}
