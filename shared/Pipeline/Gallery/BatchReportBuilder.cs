using System.Collections.Concurrent;
using FeatureInversion.Imaging;
using FeatureInversion.Models;
using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Pipeline.Gallery;

/// <summary>
/// Builds a batch's <see cref="BatchReport"/> incrementally: each build lists the batch's blobs (names and versions,
/// one listing call per 5,000 blobs) and reads only the records that are new or were rewritten since the last build
/// of this instance (ingestion records, metrics, failure records); blobs gone from the listing leave the report.
/// One instance per batch; not thread-safe (the <see cref="GalleryWriter"/> builds a batch on one thread at a time).
/// </summary>
public sealed class BatchReportBuilder(
    IBlobStore store,
    StorageOptions storage,
    GalleryOptions galleryOptions,
    string batch,
    Func<string, string, CancellationToken, Task<EvaluationRecord?>> testSet
)
{
    private readonly Dictionary<string, string> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IngestionRecord> _uploads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ResultMetrics> _metrics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FailureRecord> _failures = new(StringComparer.Ordinal);

    // Re-identification, kept across builds so each build compares only what is new: the candidate photos in the order
    // found (a photo's signature is one function of its bytes, so the order changes no rank), and per result its
    // similarity to its own photo and how many of the candidates met so far are at least as similar.
    private readonly List<(string Id, float[] Signature)> _candidates = [];
    private readonly Dictionary<string, int> _candidateIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Comparison> _comparisons = new(StringComparer.Ordinal);

    // The records' thumbnails, decoded once when the record is read (by record name: an upload's photo and a result's
    // original as the standardised signatures every result is compared with, a result's reconstruction as its 1 KB of
    // bytes, standardised again only in a build that brings it new candidates); the records are kept without their
    // base64 text. A long batch's report state grows with its results (docs/benchmarks.md, "The peak over time"):
    // the text took 2.7 KB per thumbnail and a reconstruction's floats 4 KB.
    private readonly Dictionary<string, (string Id, float[] Signature)> _photoSignatures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Id, float[] Signature)> _originalSignatures = new(
        StringComparer.Ordinal
    );
    private readonly Dictionary<string, byte[]> _reconstructionThumbnails = new(StringComparer.Ordinal);

    private sealed class Comparison(byte[] reconstruction)
    {
        public byte[] Reconstruction { get; } = reconstruction;
        public double TruthSimilarity { get; set; } = double.NaN;
        public int Higher { get; set; }
        public int Met { get; set; }
    }

    public string Batch { get; } = batch;

    /// <summary>Blob reads the last build made (what "incremental" saves: 0 when nothing changed).</summary>
    public int LastReads { get; private set; }

    /// <summary>Whether the last build saw any blob appear, change or go (always true for the first).</summary>
    public bool LastChanged { get; private set; }

    /// <summary>The source blobs of the last build (names and versions), to tell whether anything changed
    /// since.</summary>
    public IReadOnlyList<BlobEntry> Sources { get; private set; } = [];

    /// <summary>The batch's blobs a report is made of: records and images, not the gallery's own files, not
    /// sub-batches.</summary>
    public async Task<IReadOnlyList<BlobEntry>> ListSourcesAsync(CancellationToken ct) =>
        (await store.ListEntriesAsync(storage.ResultsContainer, Batch + "/", ct))
            .Where(e => Kind(e.Name) != BlobKind.Other)
            .ToList();

    public async Task<BatchReport> BuildAsync(CancellationToken ct = default) =>
        await BuildAsync(await ListSourcesAsync(ct), ct);

    /// <summary>Builds from a listing just made by <see cref="ListSourcesAsync"/> (the caller's, so it is not listed
    /// twice).</summary>
    public async Task<BatchReport> BuildAsync(IReadOnlyList<BlobEntry> listing, CancellationToken ct = default)
    {
        LastChanged = _versions.Count == 0 || !listing.SequenceEqual(Sources);
        int reads = 0;
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, version) in listing)
        {
            listed.Add(name);
            if (_versions.TryGetValue(name, out var known) && known == version)
                continue;
            var kind = Kind(name);
            if (known is not null && kind is BlobKind.Ingestion or BlobKind.Metrics)
                ResetReidentification(); // a record rewritten: its candidate or comparison may have changed
            if (kind is BlobKind.Image)
            {
                _versions[name] = version;
                continue;
            }
            var bytes = await store.TryReadAsync(storage.ResultsContainer, name, ct);
            reads++;
            if (bytes is null)
                continue; // deleted between the listing and the read: absent
            switch (kind)
            {
                case BlobKind.Ingestion:
                    _uploads[name] = KeepSignature(name, PipelineJson.Deserialize<IngestionRecord>(bytes));
                    break;
                case BlobKind.Metrics:
                    _metrics[name] = KeepSignatures(name, PipelineJson.Deserialize<ResultMetrics>(bytes));
                    break;
                case BlobKind.Failure:
                    _failures[name] = PipelineJson.Deserialize<FailureRecord>(bytes);
                    break;
            }
            _versions[name] = version;
        }
        foreach (var gone in _versions.Keys.Where(n => !listed.Contains(n)).ToList())
        {
            if (_uploads.ContainsKey(gone) || _metrics.ContainsKey(gone))
                ResetReidentification();
            _versions.Remove(gone);
            _uploads.Remove(gone);
            _metrics.Remove(gone);
            _failures.Remove(gone);
            _photoSignatures.Remove(gone);
            _originalSignatures.Remove(gone);
            _reconstructionThumbnails.Remove(gone);
        }
        LastReads = reads;
        Sources = listing;
        return await AssembleAsync(ct);
    }

    private async Task<BatchReport> AssembleAsync(CancellationToken ct)
    {
        AddCandidates();
        var rows = new List<ImageRow>();
        foreach (var record in _uploads.Values)
        {
            if (record is ExpandedUpload)
                continue; // its images are uploads of their own, each with its row
            if (record is not AcceptedUpload accepted)
            {
                rows.Add(
                    new ImageRow
                    {
                        ImageBlob = record.ImageBlob,
                        Status = UploadStatus.Refused,
                        Error = ((RefusedUpload)record).Error,
                        IngestedUtc = record.IngestedUtc,
                    }
                );
                continue;
            }
            var cells = new List<ResultCell>();
            foreach (var job in accepted.Jobs)
                cells.Add(await CellAsync(accepted, job, ct));
            string thumbnail = BlobNames.Thumbnail(Batch, accepted.ImageId);
            rows.Add(
                new ImageRow
                {
                    ImageBlob = accepted.ImageBlob,
                    ImageId = accepted.ImageId,
                    Status = UploadStatus.Accepted,
                    Width = accepted.Width,
                    Height = accepted.Height,
                    Thumbnail = _versions.ContainsKey(thumbnail) ? thumbnail : null,
                    IngestedUtc = accepted.IngestedUtc,
                    FeatureFile = accepted.FeatureFile,
                    Original = accepted.Original,
                    Reveal = Ranking.Reveal(cells),
                    Results = cells,
                }
            );
        }
        var representations = new List<RepresentationSummary>();
        foreach (var rep in rows.SelectMany(r => r.Results).Select(c => c.Representation).Distinct())
            representations.Add(
                await SummaryAsync(
                    rep,
                    rows.SelectMany(r => r.Results).Where(c => c.Representation == rep).ToList(),
                    ct
                )
            );
        return new BatchReport
        {
            Batch = Batch,
            UpdatedUtc = DateTimeOffset.UtcNow,
            Uploads = rows.Count,
            Refused = rows.Count(r => r.Status == UploadStatus.Refused),
            Representations = representations,
            Rows = Ranking.Sort(rows, Ranking.Default),
        };
    }

    private void ResetReidentification()
    {
        _candidates.Clear();
        _candidateIndex.Clear();
        _comparisons.Clear();
    }

    /// <summary>An ingestion record as kept: a photo's id and thumbnail decoded apart (<see cref="_photoSignatures"/>,
    /// absent when there is none or it is not one: the photo is then no candidate), the record without it.</summary>
    private IngestionRecord KeepSignature(string name, IngestionRecord record)
    {
        _photoSignatures.Remove(name);
        if (record is not AcceptedUpload { Signature: { } stored } accepted)
            return record;
        if (accepted.FeatureFile is null && ImageSignature.Decode(stored) is { } signature)
            _photoSignatures[name] = (accepted.ImageId, signature);
        return accepted with { Signature = null };
    }

    /// <summary>A result's record as kept: its original's id and thumbnail (a candidate when the record's metrics are
    /// finite) and its reconstruction's thumbnail decoded apart, the record without them.</summary>
    private ResultMetrics KeepSignatures(string name, ResultMetrics metrics)
    {
        _originalSignatures.Remove(name);
        _reconstructionThumbnails.Remove(name);
        if (metrics.Whole is not { } whole)
            return metrics;
        if (
            metrics.NonFiniteField() is null
            && whole.OriginalImageId is { } originalId
            && ImageSignature.Decode(whole.OriginalSignature) is { } original
        )
            _originalSignatures[name] = (originalId, original);
        if (ImageSignature.Thumbnail(whole.ReconstructionSignature) is { } reconstruction)
            _reconstructionThumbnails[name] = reconstruction;
        return whole.OriginalSignature is null && whole.ReconstructionSignature is null
            ? metrics
            : metrics with
            {
                Whole = whole with { OriginalSignature = null, ReconstructionSignature = null },
            };
    }

    /// <summary>Candidates not met before: the batch's photos (their ingestion records' signatures) and originals
    /// uploaded beside feature files (their results' signatures), one per content id.</summary>
    private void AddCandidates()
    {
        foreach (var (id, signature) in _photoSignatures.Values.Concat(_originalSignatures.Values))
            if (!_candidateIndex.ContainsKey(id))
            {
                _candidateIndex[id] = _candidates.Count;
                _candidates.Add((id, signature));
            }
    }

    /// <summary>The true photo's rank among the candidates (1 + those at least as similar), when it is one of two or
    /// more; compared only with the candidates this result has not met.</summary>
    private int? Rank(string metricsBlob, WholeResult whole)
    {
        if (
            _candidates.Count < 2
            || whole.OriginalImageId is not { } id
            || !_candidateIndex.TryGetValue(id, out int truth)
        )
            return null;
        if (!_comparisons.TryGetValue(metricsBlob, out var c))
        {
            if (!_reconstructionThumbnails.TryGetValue(metricsBlob, out var thumbnail))
                return null;
            _comparisons[metricsBlob] = c = new Comparison(thumbnail);
        }
        if (c.Met == _candidates.Count)
            return 1 + c.Higher; // no new candidate since the last build
        var reconstruction = ImageSignature.FromThumbnail(c.Reconstruction);
        if (double.IsNaN(c.TruthSimilarity))
            c.TruthSimilarity = ImageSignature.Similarity(reconstruction, _candidates[truth].Signature);
        for (; c.Met < _candidates.Count; c.Met++)
            if (
                c.Met != truth
                && ImageSignature.Similarity(reconstruction, _candidates[c.Met].Signature) >= c.TruthSimilarity
            )
                c.Higher++;
        return 1 + c.Higher;
    }

    /// <summary>The whole result with the true photo's rank among the candidates.</summary>
    private WholeCell? Whole(string metricsBlob, WholeResult? whole)
    {
        if (whole is null)
            return null;
        int? rank = Rank(metricsBlob, whole);
        return new WholeCell
        {
            Reconstruction = whole.Reconstruction,
            Original = whole.Original,
            Width = whole.Width,
            Height = whole.Height,
            ErrorRatio = whole.ErrorRatio,
            Ssim = whole.Ssim,
            Rank = rank,
            Candidates = rank is null ? null : _candidates.Count,
        };
    }

    private async Task<ResultCell> CellAsync(AcceptedUpload upload, IngestedJob job, CancellationToken ct)
    {
        string metricsBlob = BlobNames.Metrics(Batch, upload.ImageId, job.DecoderVersion);
        if (_metrics.TryGetValue(metricsBlob, out var m) && m.NonFiniteField() is { } bad)
            return new ResultCell
            {
                Representation = job.Representation,
                DecoderVersion = job.DecoderVersion,
                Status = JobStatus.Failed,
                Error =
                    $"metric {bad} is not finite (a result written before workers refused non-finite output): not a "
                    + $"result",
            };
        if (m is not null)
        {
            // A feature file's result has no original: nothing to score, so no baseline either.
            var test =
                m.MeanImageError is null && m.Original is not null
                    ? await testSet(job.Representation, job.DecoderVersion, ct)
                    : null;
            double? baseline = m.MeanImageError ?? test?.MeanImageBaselineError;
            return new ResultCell
            {
                Representation = job.Representation,
                DecoderVersion = job.DecoderVersion,
                Status = JobStatus.Done,
                NormalizedError = m.NormalizedError,
                BaselineError = baseline,
                BaselineIsPerImage = m.MeanImageError is not null,
                WorseThanBaseline = m.NormalizedError is { } e && baseline is { } b && e >= b,
                ColorGain = m.ColorGain,
                Psnr = m.Psnr,
                Ssim = m.Ssim,
                ImageSize = m.ImageSize,
                Original = m.Original,
                Reconstruction = m.Reconstruction,
                Metrics = metricsBlob,
                FeatureEnergy = m.FeatureEnergy is { } energy && _versions.ContainsKey(energy) ? energy : null,
                FeatureView = m.FeatureView,
                Whole = Whole(metricsBlob, m.Whole),
            };
        }
        if (_failures.TryGetValue(BlobNames.JobFailure(Batch, upload.ImageId, job.DecoderVersion), out var f))
            return new ResultCell
            {
                Representation = job.Representation,
                DecoderVersion = job.DecoderVersion,
                Status = JobStatus.Failed,
                Error = f.Error,
            };
        return new ResultCell
        {
            Representation = job.Representation,
            DecoderVersion = job.DecoderVersion,
            Status = JobStatus.Pending,
            StalledAfterUtc = ResultsQuery.StalledAfter(upload, galleryOptions),
        };
    }

    private async Task<RepresentationSummary> SummaryAsync(
        string representation,
        List<ResultCell> cells,
        CancellationToken ct
    )
    {
        var done = cells.Where(c => c.Status == JobStatus.Done && c.NormalizedError is not null).ToList();
        var compared = done.Where(c => c.BaselineError is not null).ToList();
        var versions = cells.Select(c => c.DecoderVersion).Distinct().Order(StringComparer.Ordinal).ToList();
        var test = versions.Count == 0 ? null : await testSet(representation, versions[^1], ct);
        var finished = cells.Where(c => c.Status == JobStatus.Done).ToList();
        var ranked = finished.Select(c => c.Whole).Where(w => w?.Rank is not null).ToList();
        var ratios = finished.Select(c => c.Whole?.ErrorRatio).OfType<double>().ToList();
        return new RepresentationSummary
        {
            Representation = representation,
            DecoderVersions = versions,
            Done = cells.Count(c => c.Status == JobStatus.Done),
            Failed = cells.Count(c => c.Status == JobStatus.Failed),
            Pending = cells.Count(c => c.Status == JobStatus.Pending),
            MeanError = done.Count > 0 ? done.Average(c => c.NormalizedError!.Value) : null,
            MeanBaselineError = compared.Count > 0 ? compared.Average(c => c.BaselineError!.Value) : null,
            BeatBaseline = compared.Count(c => !c.WorseThanBaseline),
            Compared = compared.Count,
            MeanColorGain = done.Any(c => c.ColorGain is not null)
                ? done.Where(c => c.ColorGain is not null).Average(c => c.ColorGain!.Value)
                : null,
            TestSetError = test?.NormalizedError,
            TestSetBaselineError = test?.MeanImageBaselineError,
            MeanWholeErrorRatio = ratios.Count > 0 ? ratios.Average() : null,
            Reidentification =
                ranked.Count == 0
                    ? null
                    : new Reidentification
                    {
                        Candidates = ranked[0]!.Candidates!.Value,
                        Ranked = ranked.Count,
                        Top1 = ranked.Count(w => w!.Rank == 1),
                        Top5 = ranked.Count(w => w!.Rank <= 5),
                    },
        };
    }

    private enum BlobKind
    {
        Other,
        Ingestion,
        Metrics,
        Failure,
        Image,
    }

    /// <summary>What a listed name is to the report: <c>{batch}/_ingested/{file}.json</c>, or in an image's folder
    /// (<c>{batch}/{32 hex}/…</c>) a metrics or failure record or an image; anything else (the gallery's own files, a
    /// sub-batch's blobs under the same prefix) is not read.</summary>
    private BlobKind Kind(string name)
    {
        var rest = name.AsSpan(Batch.Length + 1);
        int slash = rest.IndexOf('/');
        if (slash < 0 || rest[(slash + 1)..].Contains('/'))
            return BlobKind.Other;
        var folder = rest[..slash];
        var file = rest[(slash + 1)..];
        if (folder.SequenceEqual("_ingested"))
            return file.EndsWith(".json") ? BlobKind.Ingestion : BlobKind.Other;
        if (folder.Length != 32 || !IsLowerHex(folder))
            return BlobKind.Other;
        if (file.EndsWith(".error.json"))
            return BlobKind.Failure;
        if (file.EndsWith(".json"))
            return BlobKind.Metrics;
        return file.EndsWith(".png") || file.EndsWith(".jpg") ? BlobKind.Image : BlobKind.Other;
    }

    private static bool IsLowerHex(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
                return false;
        return true;
    }
}

/// <summary>Decoders' test-set evaluations by version, read once from their published manifests.</summary>
public sealed class TestSetCache(IBlobStore store, StorageOptions storage)
{
    private readonly ConcurrentDictionary<string, EvaluationRecord?> _known = new(StringComparer.Ordinal);

    public async Task<EvaluationRecord?> GetAsync(string representation, string version, CancellationToken ct)
    {
        if (_known.TryGetValue(version, out var known))
            return known;
        var bytes = await store.TryReadAsync(storage.ModelsContainer, BlobNames.Manifest(representation, version), ct);
        var evaluation = bytes is null
            ? null
            : DecoderManifest
                .FromJson(System.Text.Encoding.UTF8.GetString(bytes), $"{representation}/{version}")
                .Evaluation;
        if (bytes is not null)
            _known[version] = evaluation; // an unpublished version may be published later
        return evaluation;
    }
}
