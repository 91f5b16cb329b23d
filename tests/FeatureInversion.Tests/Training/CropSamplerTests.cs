using FeatureInversion.Training.Data;

namespace FeatureInversion.Tests.Training;

/// <summary>The training data path: photo pool, crop rendering, test crops and the streamed batches.</summary>
public class CropSamplerTests
{
    [Fact]
    public void CropsAreSeededAndOfTheRequestedSize()
    {
        using var sampler = new CropSampler(TestData.PhotosDirectory, 64);
        var a = sampler.Random(6, seed: 4);
        var b = sampler.Random(6, seed: 4);
        var c = sampler.Random(6, seed: 5);
        Assert.All(a, i => Assert.Equal((64, 64), (i.Width, i.Height)));
        Assert.Equal(a.Select(i => i.Planes), b.Select(i => i.Planes));
        Assert.NotEqual(a.Select(i => i.Planes), c.Select(i => i.Planes));
        Assert.Equal(5 * 3, sampler.Evaluation(3).Count);
        Assert.Equal(sampler.Evaluation(3).Select(i => i.Planes), sampler.Evaluation(3).Select(i => i.Planes));
    }

    [Fact]
    public void ThePoolKeepsPhotosAtTheResolutionTheCropsNeedAndIsReusedFromTheCache()
    {
        string cache = Path.Combine(Path.GetTempPath(), "fi-pool-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var pool = PhotoPool.Open(TestData.PhotosDirectory, 160, cache))
            {
                Assert.Equal(5, pool.Count);
                for (int i = 0; i < pool.Count; i++)
                {
                    var (w, h) = pool.Size(i);
                    Assert.Equal(160, Math.Min(w, h));
                    Assert.Equal(3 * w * h, pool.Pixels(i).Length);
                }
                Assert.Equal(
                    (241, 160),
                    pool.Size(Array.IndexOf(pool.Files.Select(Path.GetFileName).ToArray(), "chelsea-451x300.jpg"))
                );
            }
            var file = Assert.Single(Directory.GetFiles(cache, "*.bin"));
            var written = File.GetLastWriteTimeUtc(file);
            var log = new StringWriter();
            using (var again = PhotoPool.Open(TestData.PhotosDirectory, 160, cache, log: log))
                Assert.Equal(5, again.Count);
            Assert.Contains("from", log.ToString());
            Assert.Equal(written, File.GetLastWriteTimeUtc(file));
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [Fact]
    public void ThePoolHoldsEachPhotosDecodedPixels()
    {
        using var pool = PhotoPool.Open(TestData.PhotosDirectory, 4096); // never enlarged: every photo at its own size
        for (int i = 0; i < pool.Count; i++)
        {
            using var image = ImageFiles.DecodeRgb24(File.ReadAllBytes(pool.Files[i]));
            var expected = new byte[3 * image.Width * image.Height];
            image.CopyPixelDataTo(expected);
            Assert.Equal((image.Width, image.Height), pool.Size(i));
            Assert.True(expected.AsSpan().SequenceEqual(pool.Pixels(i)), Path.GetFileName(pool.Files[i]));
        }
    }

    [Fact]
    public void APoolRefusesACorruptPhotoNamingIt()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fi-bad-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.Copy(Path.Combine(TestData.PhotosDirectory, "camera-256x256.jpg"), Path.Combine(dir, "good.jpg"));
            var bytes = File.ReadAllBytes(Path.Combine(TestData.PhotosDirectory, "coffee-480x320.jpg"));
            File.WriteAllBytes(Path.Combine(dir, "cut.jpg"), bytes[..(bytes.Length / 2)]);
            var e = Assert.Throws<InvalidImageException>(() => PhotoPool.Open(dir, 128));
            Assert.Contains("cut.jpg", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ACropAtFullResolutionIsThePhotosPixelsAndMirroringFlipsIt()
    {
        using var pool = PhotoPool.Open(TestData.PhotosDirectory, 256);
        int photo = Array.IndexOf(pool.Files.Select(Path.GetFileName).ToArray(), "camera-256x256.jpg");
        var renderer = new CropRenderer(32);
        var crop = new float[3 * 32 * 32];
        renderer.Render(pool, new CropDraw(photo, 10, 20, 32, false, false, 0, 1), crop);
        var pixels = pool.Pixels(photo);
        for (int y = 0; y < 32; y++)
        for (int x = 0; x < 32; x++)
            Assert.Equal(pixels[3 * ((20 + y) * 256 + 10 + x)] / 255f, crop[y * 32 + x], 5);
        var mirrored = new float[crop.Length];
        renderer.Render(pool, new CropDraw(photo, 10, 20, 32, true, false, 0, 1), mirrored);
        Assert.Equal(crop[5 * 32 + 3], mirrored[5 * 32 + 28], 6);
        // The gray image is rgb2gray of the rendered crop.
        Assert.Equal(
            Grayscale.RedWeight * mirrored[0]
                + Grayscale.GreenWeight * mirrored[1024]
                + Grayscale.BlueWeight * mirrored[2048],
            renderer.Gray.Pixels[0],
            6
        );
    }

    [Fact]
    public void ChromaJitterKeepsLuminanceAndSoTheFeatures()
    {
        using var sampler = new CropSampler(TestData.PhotosDirectory, 64);
        var crop = sampler.Evaluation(1)[2]; // a colour photo
        var gray = crop.ToGray().Pixels.ToArray();
        var hogBefore = new HogExtractor().Extract(crop).Data;
        var jittered = new ColorImage(64, 64, (float[])crop.Planes.Clone());
        ChromaJitter.Apply(jittered, angle: 2.0, saturation: 0.8);

        Assert.NotEqual(crop.Planes, jittered.Planes);
        var after = jittered.ToGray().Pixels;
        int changed = gray.Zip(after).Count(p => Math.Abs(p.First - p.Second) > 2e-3f); // only where clamping bites
        Assert.True(changed < gray.Length / 20, $"{changed} of {gray.Length} pixels changed luminance");
        var hogAfter = new HogExtractor().Extract(jittered).Data;
        Assert.True(hogBefore.Zip(hogAfter).Average(p => Math.Abs(p.First - p.Second)) < 0.01);
    }

    [Fact]
    public void StreamedBatchesAreFreshDeterministicAndResumable()
    {
        using var pool = TestData.Pool();
        var hog = TestData.Representation("hog");
        List<(float[] F, float[] I)> Take(int producers, long first, int count)
        {
            using var stream = new StreamingBatches(
                pool,
                hog,
                64,
                4,
                seed: 3,
                augmentation: new CropAugmentation(0.5),
                producers: producers,
                firstBatch: first
            );
            var batches = new List<(float[], float[])>();
            for (int i = 0; i < count; i++)
            {
                var b = stream.Take();
                Assert.Equal(first + i, b.Index);
                batches.Add(((float[])b.Features.Clone(), (float[])b.Images.Clone()));
                stream.Return(b);
            }
            return batches;
        }
        var a = Take(1, 0, 12);
        var b = Take(3, 0, 12);
        Assert.Equal(a.Select(x => x.I), b.Select(x => x.I));
        Assert.Equal(a.Select(x => x.F), b.Select(x => x.F));
        Assert.NotEqual(a[0].I, a[1].I); // every batch new crops
        Assert.Equal(a[7].I, Take(2, 7, 1)[0].I); // a resumed run continues the stream
        // The features are those of the crop's grayscale.
        var image = new ColorImage(64, 64, a[5].I.AsSpan(0, 3 * 64 * 64).ToArray());
        Assert.Equal(hog.Create().Extract(image).Data, a[5].F.AsSpan(0, hog.OutputShape(64, 64).Length).ToArray());
    }

    [Fact]
    public void AFailingProducerFailsTheTrainingLoopInsteadOfHangingIt()
    {
        using var pool = TestData.Pool();
        var broken = new RepresentationDescriptor(
            "broken",
            "throws",
            RepresentationKind.HandDesigned,
            DecoderLayout.Hog,
            () => new Broken()
        );
        using var stream = new StreamingBatches(
            pool,
            broken,
            64,
            2,
            seed: 1,
            augmentation: new CropAugmentation(0),
            producers: 2
        );
        var e = Assert.Throws<InvalidOperationException>(() => stream.Take());
        Assert.Contains("extractor broke", e.Message);
    }

    private sealed class Broken : IFeatureRepresentation
    {
        public string Name => "broken";
        public IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

        public FeatureShape OutputShape(int width, int height) => new(1, 1, 1);

        public void Extract(GrayImage image, Span<float> output) => throw new InvalidDataException("extractor broke");
    }

    [Fact]
    public void TestSetsTooLargeForMemoryAreRefused()
    {
        var crops = Enumerable.Repeat(new ColorImage(64, 64), 70_000).ToList();
        var e = Assert.Throws<ArgumentException>(() =>
            FeatureDataset.Build(TestData.Representation("sift-grid"), crops)
        );
        Assert.Contains("in-memory test set", e.Message);
    }
}
