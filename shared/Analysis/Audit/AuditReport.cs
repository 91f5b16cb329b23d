using System.Text.Json.Serialization;
using FeatureInversion.Imaging;

namespace FeatureInversion.Analysis.Audit;

/// <summary>How to audit: the fractions of keypoints kept and, with all kept, the descriptor precisions (bits per
/// value, <see cref="Features.Sift.DescriptorConventions.Quantize"/>) for the defence curve.</summary>
public sealed record AuditOptions(
    IReadOnlyList<double> KeepFractions,
    int? WorkingShortSide = null,
    int Seed = 0,
    bool AllScales = false,
    IReadOnlyList<int>? DescriptorBits = null
)
{
    /// <summary>The levels audited: each fraction kept, then each descriptor precision (all keypoints kept).</summary>
    public int LevelCount => KeepFractions.Count + (DescriptorBits?.Count ?? 0);
}

/// <summary>One audited photo at one keypoint fraction (<see cref="Keypoints"/> null for a dense map).</summary>
public sealed record AuditedImage(
    string Name,
    int? Keypoints,
    int Width,
    int Height,
    double ErrorVsMeanImage,
    double Ssim,
    int PixelRank,
    int? CnnRank,
    [property: JsonIgnore] ColorImage Reconstruction
);

/// <summary>All audited photos at one keypoint fraction (and descriptor precision, <see cref="Bits"/>, null: as
/// leaked): the means and the re-identification rates.</summary>
public sealed record AuditLevel(
    double Keep,
    int? Bits,
    double ErrorVsMeanImage,
    double Ssim,
    double PixelTop1,
    double PixelTop5,
    double? CnnTop1,
    double? CnnTop5,
    IReadOnlyList<AuditedImage> Images
)
{
    public static AuditLevel Of(double keep, int? bits, IReadOnlyList<AuditedImage> images) =>
        new(
            keep,
            bits,
            images.Average(i => i.ErrorVsMeanImage),
            images.Average(i => i.Ssim),
            Rate(images.Select(i => (int?)i.PixelRank), 1),
            Rate(images.Select(i => (int?)i.PixelRank), 5),
            images.Any(i => i.CnnRank is null) ? null : Rate(images.Select(i => i.CnnRank), 1),
            images.Any(i => i.CnnRank is null) ? null : Rate(images.Select(i => i.CnnRank), 5),
            images
        );

    private static double Rate(IEnumerable<int?> ranks, int k) => ranks.Average(r => r <= k ? 1.0 : 0.0);
}

/// <summary>The audit of a set of photos against one leaked representation, with its verdicts in plain words.</summary>
public sealed record AuditReport(
    string Source,
    int Candidates,
    int Audited,
    int WorkingShortSide,
    IReadOnlyList<AuditLevel> Levels
)
{
    public double ChanceTop1 => 1.0 / Candidates;
    public double ChanceTop5 => Math.Min(1.0, 5.0 / Candidates);

    /// <summary>"9 of 10 photos re-identified from their SIFT keypoints (chance: 1 in 10)", at all keypoints.</summary>
    public string Verdict => VerdictAt(Levels[0]);

    public string VerdictAt(AuditLevel level)
    {
        var (measure, top1) =
            level.CnnTop1 is { } cnn && cnn > level.PixelTop1
                ? ("ResNet18 pool5 cosine", cnn)
                : ("32×32 grayscale correlation", level.PixelTop1);
        int found = (int)Math.Round(top1 * Audited);
        string kept =
            level.Bits is { } bits ? $" with descriptors stored at {bits} bit{(bits == 1 ? "" : "s")} per value"
            : level.Keep >= 1 ? ""
            : $" with {level.Keep:P0} of the keypoints kept";
        return $"{found} of {Audited} photos re-identified from their {Source}{kept} (top-1 by {measure}; chance: 1 "
            + $"in {Candidates}); "
            + $"reconstruction error {level.ErrorVsMeanImage:F2} of the mean image's, SSIM {level.Ssim:F2}.";
    }

    /// <summary>A verdict per image (at all keypoints).</summary>
    public IEnumerable<string> ImageVerdicts() =>
        Levels[0]
            .Images.Select(i =>
            {
                int rank = Math.Min(i.PixelRank, i.CnnRank ?? int.MaxValue); // by the better of the two similarities
                string found =
                    rank == 1 ? "re-identified" : $"not re-identified (true photo ranked {rank} of {Candidates})";
                string from = i.Keypoints is { } n ? $" from {n} keypoints" : "";
                return $"{i.Name}: {found}{from}; error {i.ErrorVsMeanImage:F2} of the mean "
                    + $"image's, SSIM {i.Ssim:F2}.";
            });
}
