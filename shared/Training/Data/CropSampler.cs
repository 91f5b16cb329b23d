using FeatureInversion.Imaging;

namespace FeatureInversion.Training.Data;

/// <summary>
/// Square crops of photographs at one training size, as lists of images: the test set (the same crops for every
/// decoder and run) and small seeded samples (tests, mean images). Training itself streams fresh crops through
/// <see cref="StreamingBatches"/> from the same <see cref="PhotoPool"/> and <see cref="CropRenderer"/>.
/// </summary>
public sealed class CropSampler : IDisposable
{
    private readonly PhotoPool _pool;
    private readonly bool _ownsPool;
    private readonly CropRenderer _renderer;

    /// <summary>Crops of the photos in <paramref name="directory"/> at <paramref name="size"/> pixels (pool at <see
    /// cref="PoolSide"/>).</summary>
    public CropSampler(string directory, int size, string? cacheDirectory = null)
        : this(PhotoPool.Open(directory, PoolSide(size), cacheDirectory), size, ownsPool: true) { }

    public CropSampler(PhotoPool pool, int size, bool ownsPool = false)
    {
        _pool = pool;
        _ownsPool = ownsPool;
        Size = size;
        _renderer = new CropRenderer(size);
    }

    /// <summary>Short side a pool needs for crops of <paramref name="size"/>: the smallest crop (MinScale of the short
    /// side) is then exactly <paramref name="size"/> pixels, so no crop is ever enlarged.</summary>
    public static int PoolSide(int size) => (int)Math.Ceiling(size / CropDraw.MinScale);

    public int Size { get; }

    public PhotoPool Pool => _pool;

    public IReadOnlyList<string> Files => _pool.Files;

    /// <summary>Random crops drawn from a generator seeded with <paramref name="seed"/> (see <see
    /// cref="CropDraw.Random"/>).</summary>
    public List<ColorImage> Random(int count, int seed, CropAugmentation augmentation = default)
    {
        var random = SplitMix.For(seed, -1);
        return Enumerable
            .Range(0, count)
            .Select(_ => Render(CropDraw.Random(ref random, _pool, Size, augmentation)))
            .ToList();
    }

    /// <summary>Test crops: per photo the centred full-height square, then <paramref name="perPhoto"/> − 1 random ones
    /// (no mirror, no jitter) seeded with <see cref="Seeds.EvaluationCrops"/>: the same crops for every
    /// decoder.</summary>
    public List<ColorImage> Evaluation(int perPhoto)
    {
        var random = SplitMix.For(Seeds.EvaluationCrops, 0);
        var crops = new List<ColorImage>();
        for (int photo = 0; photo < _pool.Count; photo++)
        {
            crops.Add(Render(CropDraw.Centre(_pool, photo)));
            var (w, h) = _pool.Size(photo);
            int shortSide = Math.Min(w, h);
            for (int i = 1; i < perPhoto; i++)
            {
                int side = CropDraw.SideFor(shortSide, Size, random.NextDouble());
                crops.Add(
                    Render(
                        new CropDraw(
                            photo,
                            random.Next(w - side + 1),
                            random.Next(h - side + 1),
                            side,
                            false,
                            false,
                            0,
                            1
                        )
                    )
                );
            }
        }
        return crops;
    }

    private ColorImage Render(CropDraw draw)
    {
        var image = new ColorImage(Size, Size);
        _renderer.Render(_pool, draw, image.Planes);
        return image;
    }

    public void Dispose()
    {
        if (_ownsPool)
            _pool.Dispose();
    }
}
