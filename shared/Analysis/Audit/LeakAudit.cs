using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Features;
using FeatureInversion.Features.Sift;
using FeatureInversion.Features.Sources;
using FeatureInversion.Imaging;

namespace FeatureInversion.Analysis.Audit;

/// <summary>
/// What a leaked SIFT file reveals about a set of photos the auditor owns: each photo's keypoints (from a COLMAP
/// database made of them, or computed here as VLFeat's SIFT) are reconstructed as a whole image
/// (<see cref="FeatureFileReconstruction"/>), scored against the photo, and used to pick the photo out of all
/// candidates (re-identification). Repeated with a random fraction of the keypoints kept, it gives the defence
/// curve: how far keypoints must be thinned before the photos stop being recognisable.
/// <para>
/// Measures, per image at the working resolution: the error ‖x − f‖ relative to that of the decoder's mean image
/// ‖x − m‖ (below 1: the file tells more than "a typical photo"), and SSIM. Re-identification ranks every candidate
/// photo by two stated similarities to the reconstruction: <b>pixels</b>, the correlation of the two as 32 × 32
/// grayscale images (each standardised; <see cref="ImageSignature"/>), and <b>cnn</b>, the cosine of their ResNet18
/// pool5 vectors (ImageNet weights), when an embedding is given. The rank of the true photo gives top-1 and top-5
/// rates, set against chance (1/N and 5/N for N candidates).
/// </para>
/// </summary>
public sealed class LeakAudit(DecoderNetwork network, float[] meanImage, IFeatureRepresentation? embedding = null)
{
    /// <summary>Audits <paramref name="photos"/> (paths); <paramref name="leaked"/> gives each audited photo's
    /// keypoints by file name (all photos are candidates, audited or not).</summary>
    public AuditReport Run(
        IReadOnlyList<string> photos,
        IReadOnlyDictionary<string, KeypointSet> leaked,
        string source,
        AuditOptions options,
        IProgress<int>? reconstructionsDone = null
    )
    {
        if (network.Spec.Representation.Decoder != DecoderLayout.Sift)
            throw new ArgumentException(
                $"Keypoints are reconstructed by a sift-grid decoder, not {network.Spec.Representation}."
            );
        int side = options.WorkingShortSide ?? FeatureFileReconstruction.TrainedShortSide(network);
        // The photo at its working size is the same at every fraction kept: resized from full resolution once.
        var targets = new Dictionary<string, ColorImage>(StringComparer.Ordinal);
        return Audit(
            photos,
            name => IsAudited(name, leaked),
            source,
            options,
            side,
            (candidate, keep, bits) =>
            {
                var set = Quantize(Thin(leaked[candidate.Name], keep, options.Seed), bits);
                var working = FeatureFileReconstruction.AtWorkingResolution(network, set, side, options.AllScales);
                var reconstruction = WholeImageDecoding.Decode(
                    network,
                    working.ToGrid(options.Seed),
                    working.Width,
                    working.Height
                );
                if (!targets.TryGetValue(candidate.Name, out var target))
                    targets[candidate.Name] = target = ImageFiles.Resize(
                        candidate.Photo,
                        working.Width,
                        working.Height
                    );
                return (target, reconstruction, (int?)set.Frames.Count);
            },
            reconstructionsDone
        );
    }

    /// <summary>
    /// Audits a dense representation (HOG, LBP, a CNN layer) as a leak of it would hold each photo: its map computed
    /// here on the whole photo at the working resolution and decoded whole (<see
    /// cref="FeatureFileReconstruction.WholePhoto"/>); the photo is cut to the cells' extent. Every photo is audited;
    /// there are no keypoints to thin, so only a fraction of 1 is accepted.
    /// </summary>
    public AuditReport RunWholePhotos(
        IReadOnlyList<string> photos,
        string source,
        AuditOptions options,
        IProgress<int>? reconstructionsDone = null
    )
    {
        if (options.KeepFractions.Any(k => k < 1) || options.DescriptorBits is { Count: > 0 })
            throw new ArgumentException(
                $"A {network.Spec.Representation} map has no keypoints to thin or descriptors to quantise: audit it "
                    + $"as it is (all kept)."
            );
        int side = options.WorkingShortSide ?? FeatureFileReconstruction.TrainedShortSide(network);
        return Audit(
            photos,
            name => IsAudited(name, leaked: null),
            source,
            options,
            side,
            (candidate, _, _) =>
            {
                var (photo, reconstruction) = FeatureFileReconstruction.WholePhoto(network, candidate.Photo, side);
                var target = photo.Crop(reconstruction.Width, reconstruction.Height);
                return (target, reconstruction, (int?)null);
            },
            reconstructionsDone
        );
    }

    /// <summary>How many reconstructions <see cref="Run"/> (given <paramref name="leaked"/>) or
    /// <see cref="RunWholePhotos"/> (without) makes: what their progress counts to.</summary>
    public static int Reconstructions(
        IReadOnlyList<string> photos,
        AuditOptions options,
        IReadOnlyDictionary<string, KeypointSet>? leaked = null
    ) => photos.Count(p => IsAudited(Path.GetFileName(p), leaked)) * options.LevelCount;

    /// <summary>Whether a photo (by file name) is audited, not only a candidate: it has leaked keypoints, or the
    /// representation is dense (no <paramref name="leaked"/>: every photo is).</summary>
    private static bool IsAudited(string name, IReadOnlyDictionary<string, KeypointSet>? leaked) =>
        leaked is null || leaked.ContainsKey(name);

    /// <summary>The audit's loop: per fraction kept and audited photo, the reconstruction against its target photo
    /// and the decoder's mean image at the same size, and the true photo's rank among all candidates (reporting the
    /// reconstructions done, <see cref="AuditOptions.LevelCount"/> × audited photos in all).</summary>
    private AuditReport Audit(
        IReadOnlyList<string> photos,
        Func<string, bool> isAudited,
        string source,
        AuditOptions options,
        int side,
        Func<Candidate, double, int?, (ColorImage Target, ColorImage Reconstruction, int? Keypoints)> reconstruct,
        IProgress<int>? reconstructionsDone
    )
    {
        if (photos.Count < 2)
            throw new ArgumentException("Re-identification needs at least two candidate photos.");
        var candidates = photos.Select(p => new Candidate(Path.GetFileName(p), ImageFiles.Load(p))).ToList();
        var audited = candidates.Where(c => isAudited(c.Name)).ToList();
        if (audited.Count == 0)
            throw new ArgumentException($"None of the {photos.Count} photos has keypoints in the {source}.");

        var thumbnails = candidates.Select(c => ImageSignature.Of(c.Photo)).ToList();
        var embeddings = embedding is null
            ? null
            : candidates.Select(c => Embed(FeatureFileReconstruction.AtWorkingResolution(c.Photo, side))).ToList();
        var meanImageSquare = new ColorImage(network.Spec.ImageSize, network.Spec.ImageSize, meanImage);
        var means = new Dictionary<(int, int), ColorImage>(); // the mean image at each target size, resized once
        var levels = new List<AuditLevel>();
        int done = 0;
        var steps = options
            .KeepFractions.Select(k => (Keep: k, Bits: (int?)null))
            .Concat((options.DescriptorBits ?? []).Select(b => (Keep: 1.0, Bits: (int?)b)));
        foreach (var (keep, bits) in steps)
        {
            var images = new List<AuditedImage>();
            foreach (var candidate in audited)
            {
                var (target, reconstruction, keypoints) = reconstruct(candidate, keep, bits);
                if (!means.TryGetValue((target.Width, target.Height), out var mean))
                    means[(target.Width, target.Height)] = mean = ImageFiles.Resize(
                        meanImageSquare,
                        target.Width,
                        target.Height
                    );
                double error =
                    ReconstructionMetrics.Distance(target.Planes, reconstruction.Planes)
                    / Math.Max(ReconstructionMetrics.Distance(target.Planes, mean.Planes), 1e-9);
                double ssim = ReconstructionMetrics.Ssim(
                    target.Planes,
                    reconstruction.Planes,
                    target.Width,
                    target.Height
                );
                int truth = candidates.IndexOf(candidate);
                var thumb = ImageSignature.Of(reconstruction);
                int pixelRank = ImageSignature.Rank(
                    thumbnails.Select(t => ImageSignature.Similarity(thumb, t)).ToList(),
                    truth
                );
                var embedded = embeddings is null ? null : Embed(reconstruction);
                int? cnnRank = embeddings is null
                    ? null
                    : ImageSignature.Rank(embeddings.Select(e => Cosine(embedded!, e)).ToList(), truth);
                images.Add(
                    new AuditedImage(
                        candidate.Name,
                        keypoints,
                        reconstruction.Width,
                        reconstruction.Height,
                        error,
                        ssim,
                        pixelRank,
                        cnnRank,
                        reconstruction
                    )
                );
                reconstructionsDone?.Report(++done);
            }
            levels.Add(AuditLevel.Of(keep, bits, images));
        }
        return new AuditReport(source, candidates.Count, audited.Count, side, levels);
    }

    /// <summary>Keypoints computed here as the leak would hold them: VLFeat's SIFT (the paper's settings) of each
    /// photo (reporting the photos done).</summary>
    public static Dictionary<string, KeypointSet> VlFeatKeypoints(
        IReadOnlyList<string> photos,
        IProgress<int>? photosDone = null
    )
    {
        var detector = new SiftDetector();
        var sets = new Dictionary<string, KeypointSet>(StringComparer.Ordinal);
        foreach (var p in photos)
        {
            var gray = ImageFiles.LoadGray(p);
            string name = Path.GetFileName(p);
            sets[name] = new KeypointSet(name, gray.Width, gray.Height, detector.Detect(gray), "VLFeat SIFT", []);
            photosDone?.Report(sets.Count);
        }
        return sets;
    }

    /// <summary>The keypoints with descriptors stored at <paramref name="bits"/> bits per value (as leaked when
    /// null).</summary>
    private static KeypointSet Quantize(KeypointSet set, int? bits) =>
        bits is not { } b
            ? set
            : set with
            {
                Frames = set
                    .Frames.Select(f => f with { Descriptor = DescriptorConventions.Quantize(f.Descriptor, b) })
                    .ToList(),
            };

    /// <summary>A seeded random fraction of the keypoints (the same draw for the same photo and seed).</summary>
    private static KeypointSet Thin(KeypointSet set, double keep, int seed)
    {
        if (keep >= 1)
            return set;
        uint hash = 2166136261; // FNV-1a of the name: stable across processes, unlike string.GetHashCode
        foreach (char c in set.Name)
            hash = (hash ^ c) * 16777619;
        var random = new Random((int)((hash ^ (uint)seed) & int.MaxValue));
        int n = (int)Math.Round(set.Frames.Count * keep);
        var kept = set
            .Frames.Select(f => (f, r: random.NextDouble()))
            .OrderBy(p => p.r)
            .Take(n)
            .Select(p => p.f)
            .ToList();
        return set with { Frames = kept };
    }

    private float[] Embed(ColorImage image) => embedding!.Extract(image).Data;

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0,
            na = 0,
            nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.Max(Math.Sqrt(na * nb), 1e-12);
    }

    private sealed record Candidate(string Name, ColorImage Photo);
}
