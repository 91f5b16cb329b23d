using FeatureInversion.Imaging;
using FeatureInversion.Models;

namespace FeatureInversion.Training;

/// <summary>The evaluation record of reconstructions against their targets, as stored in manifests.</summary>
public static class Evaluation
{
    /// <summary>
    /// The paper's normalised error, PSNR, SSIM, the error of predicting <paramref name="meanImage"/> for every target
    /// (the trivial baseline), the colour gain and, when <paramref name="photoOfCrop"/> names each crop's photo, the
    /// error per photo. Images are RGB planes in [0, 1], size × size.
    /// </summary>
    public static EvaluationRecord Record(
        List<float[]> targets,
        List<float[]> reconstructions,
        int size,
        float[]? meanImage,
        string data,
        IReadOnlyList<string>? photoOfCrop = null
    )
    {
        double norm = ReconstructionMetrics.MeanPairwiseDistance(targets);
        var perCrop = targets
            .Zip(reconstructions)
            .Select(p => ReconstructionMetrics.Distance(p.First, p.Second) / norm)
            .ToList();
        return new EvaluationRecord
        {
            Data = data,
            TestImages = targets.Count,
            NormalizedError = perCrop.Average(),
            MeanImageBaselineError = meanImage is null
                ? double.NaN
                : ReconstructionMetrics.NormalizedError(targets, targets.Select(_ => meanImage).ToList(), norm),
            MeanPairwiseDistance = norm,
            Psnr = targets.Zip(reconstructions).Average(t => ReconstructionMetrics.Psnr(t.First, t.Second)),
            Ssim = targets.Zip(reconstructions).Average(t => ReconstructionMetrics.Ssim(t.First, t.Second, size)),
            // N once: it is quadratic in the crops, and every figure here divides by it
            ColorGain = ReconstructionMetrics.ColorGain(targets, reconstructions, norm),
            TrueChromaGain = ReconstructionMetrics.TrueChromaGain(targets, reconstructions, norm),
            MeanImageChromaGain = meanImage is null
                ? null
                : ReconstructionMetrics.ChromaGain(
                    targets,
                    reconstructions,
                    targets.Select(_ => meanImage).ToList(),
                    norm
                ),
            PerPhoto = photoOfCrop is null ? null : PerPhoto(perCrop, photoOfCrop),
        };
    }

    /// <summary>What an evaluation record's <see cref="EvaluationRecord.Data"/> says: "330 crops (10 per photo) of 33
    /// photos in test". Training and <c>evaluate --record</c> write it alike.</summary>
    public static string TestData(int crops, int perPhoto, int photos, string testDirectory) =>
        $"{crops} crops ({perPhoto} per photo) of {photos} photos in "
        + Path.GetFileName(Path.TrimEndingDirectorySeparator(testDirectory));

    /// <summary>Mean of the per-crop errors for each photo, in order of first appearance.</summary>
    public static List<PhotoError> PerPhoto(IReadOnlyList<double> perCrop, IReadOnlyList<string> photoOfCrop) =>
        perCrop
            .Zip(photoOfCrop)
            .GroupBy(p => p.Second)
            .Select(g => new PhotoError(g.Key, g.Count(), g.Average(p => p.First)))
            .ToList();

    /// <summary>Errors grouped by the photos' sources (crop-weighted), cross-source first; photos the table does not
    /// list count as the source "unlisted" (same-source: nothing says training never saw them).</summary>
    public static List<SourceError> PerSource(IEnumerable<PhotoError> perPhoto, Data.PhotoSources sources) =>
        perPhoto
            .GroupBy(p => sources.Of(p.Photo)?.Package ?? "unlisted")
            .Select(g => new SourceError(
                g.Key,
                g.Key != "unlisted" && !sources.TrainingPackages.Contains(g.Key),
                g.Count(),
                g.Sum(p => p.Crops),
                g.Sum(p => p.Crops * p.NormalizedError) / g.Sum(p => p.Crops)
            ))
            .OrderByDescending(s => s.CrossSource)
            .ThenBy(s => s.Source, StringComparer.Ordinal)
            .ToList();

    /// <summary>The record with its cross- and same-source errors, when <paramref name="testDirectory"/>'s photos
    /// are listed in a sources table and the record has per-photo errors; else unchanged.</summary>
    public static EvaluationRecord WithSources(EvaluationRecord record, string testDirectory)
    {
        if (record.PerPhoto is null || Data.PhotoSources.Find(testDirectory) is not { } sources)
            return record;
        var (cross, same) = CrossAndSame(PerSource(record.PerPhoto, sources));
        return record with { CrossSourceError = cross, SameSourceError = same };
    }

    /// <summary>The pooled errors of the cross-source and of the same-source groups of a per-source list.</summary>
    public static (double? Cross, double? Same) CrossAndSame(IReadOnlyCollection<SourceError> perSource) =>
        (Pooled(perSource.Where(s => s.CrossSource)), Pooled(perSource.Where(s => !s.CrossSource)));

    /// <summary>The crop-weighted error over some sources; null when there are none.</summary>
    public static double? Pooled(IEnumerable<SourceError> sources)
    {
        var list = sources.ToList();
        return list.Count == 0 ? null : list.Sum(s => s.Crops * s.NormalizedError) / list.Sum(s => s.Crops);
    }

    /// <summary>The mean of <paramref name="count"/> training crops drawn from the stream's generator: the baseline
    /// predictor.</summary>
    public static float[] MeanImage(Data.PhotoPool pool, int size, int count = 4096, int seed = 1)
    {
        var renderer = new Data.CropRenderer(size);
        var random = Data.SplitMix.For(seed, long.MinValue);
        var crop = new float[3 * size * size];
        var sum = new double[crop.Length];
        for (int i = 0; i < count; i++)
        {
            renderer.Render(pool, Data.CropDraw.Random(ref random, pool, size, default), crop);
            for (int k = 0; k < crop.Length; k++)
                sum[k] += crop[k];
        }
        return sum.Select(v => (float)(v / count)).ToArray();
    }
}
