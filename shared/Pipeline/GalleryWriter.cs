using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Pipeline;

/// <summary>
/// Writes <c>{batch}/index.html</c> in the results container: one row per uploaded image (original | reconstruction
/// per representation, with its normalized error, PSNR and SSIM), refused uploads with their reason. Images are
/// embedded as data URIs, so the page opens straight from its (SAS) blob URL or file path without further access.
/// Rebuilds are debounced per batch; after uploading, the writer lists again and rebuilds if results arrived
/// meanwhile, so the last gallery written by any worker shows every result that existed when it was written.
/// </summary>
public sealed class GalleryWriter(IBlobStore store, PipelineOptions options)
{
    private readonly ConcurrentDictionary<string, byte> _dirty = new();
    // Result blobs are write-once, so their data URIs can be cached for the life of the process.
    private readonly ConcurrentDictionary<string, string> _dataUris = new();
    private readonly ConcurrentDictionary<string, Models.EvaluationRecord?> _testSets = new();

    /// <summary>The decoder's measured test error and mean-image baseline, from its published manifest (null when unpublished).</summary>
    private async Task<Models.EvaluationRecord?> TestSetAsync(string representation, string version, CancellationToken ct)
    {
        if (_testSets.TryGetValue(version, out var known)) return known;
        var bytes = await store.TryReadAsync(options.ModelsContainer, BlobNames.Manifest(representation, version), ct);
        var evaluation = bytes is null ? null : Models.DecoderManifest.FromJson(Encoding.UTF8.GetString(bytes)).Evaluation;
        return _testSets[version] = evaluation;
    }

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);

    public void MarkChanged(string batch) => _dirty[batch] = 0;

    /// <summary>Rebuilds changed galleries every <see cref="Interval"/> until cancelled, then once more.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(Interval, ct);
                await FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        await FlushAsync(CancellationToken.None);
    }

    /// <summary>Rebuilds every batch marked as changed; returns their names.</summary>
    public async Task<IReadOnlyList<string>> FlushAsync(CancellationToken ct = default)
    {
        var batches = _dirty.Keys.ToList();
        foreach (var batch in batches)
        {
            _dirty.TryRemove(batch, out _);
            await RebuildAsync(batch, ct);
        }
        return batches;
    }

    public async Task RebuildAsync(string batch, CancellationToken ct = default)
    {
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var listing = await store.ListAsync(options.ResultsContainer, batch + "/", ct);
            string html = await RenderAsync(batch, listing, ct);
            await store.WriteAsync(options.ResultsContainer, BlobNames.Gallery(batch), Encoding.UTF8.GetBytes(html), ContentTypes.Html, overwrite: true, ct);
            var after = await store.ListAsync(options.ResultsContainer, batch + "/", ct);
            if (after.SequenceEqual(listing)) return;
        }
    }

    private async Task<string> RenderAsync(string batch, IReadOnlyList<string> names, CancellationToken ct)
    {
        var present = names.ToHashSet(StringComparer.Ordinal);
        var records = new List<IngestionRecord>();
        foreach (var name in names.Where(n => n.StartsWith($"{batch}/_ingested/", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal)))
        {
            var bytes = await store.TryReadAsync(options.ResultsContainer, name, ct);
            if (bytes is not null) records.Add(PipelineJson.Deserialize<IngestionRecord>(bytes));
        }
        var representations = records.OfType<AcceptedUpload>().SelectMany(r => r.Jobs.Select(j => j.Representation)).Distinct().ToList();

        var html = new StringBuilder();
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>Reconstructions: ").Append(Enc(batch)).Append("</title><style>")
            .Append("body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px;text-align:center;vertical-align:top}")
            .Append("img{width:128px;height:128px;image-rendering:pixelated}.err{color:#b00;max-width:16em}small{color:#555}")
            .Append("</style></head><body><h1>Feature inversion: ").Append(Enc(batch)).Append("</h1>")
            .Append("<p>Reconstructions from each representation's features by its decoder (Dosovitskiy &amp; Brox, CVPR 2016). ")
            .Append("Error = ‖x − f(Φ(x))‖₂ / N, N the decoder's mean distance between test images.</p><table><tr><th>image</th><th>original</th>");
        foreach (var rep in representations) html.Append("<th>").Append(Enc(rep)).Append("</th>");
        html.Append("</tr>");
        foreach (var record in records.OrderBy(r => r.ImageBlob, StringComparer.Ordinal))
        {
            html.Append("<tr><td>").Append(Enc(BlobNames.FileName(record.ImageBlob))).Append("</td>");
            if (record is not AcceptedUpload accepted)
            {
                html.Append("<td class=\"err\" colspan=\"").Append(representations.Count + 1).Append("\">refused: ").Append(Enc(((RefusedUpload)record).Error)).Append("</td></tr>");
                continue;
            }
            var original = names.FirstOrDefault(n => n.StartsWith($"{batch}/{accepted.ImageId}/original-", StringComparison.Ordinal));
            html.Append("<td>").Append(original is null ? "pending" : Img(await DataUriAsync(original, ct), "original")).Append("</td>");
            foreach (var rep in representations)
            {
                var job = accepted.Jobs.FirstOrDefault(j => j.Representation == rep);
                html.Append("<td>");
                if (job is null) html.Append("—");
                else if (present.Contains(BlobNames.Metrics(batch, accepted.ImageId, job.DecoderVersion)))
                {
                    var m = PipelineJson.Deserialize<ResultMetrics>((await store.TryReadAsync(options.ResultsContainer, BlobNames.Metrics(batch, accepted.ImageId, job.DecoderVersion), ct))!);
                    html.Append(Img(await DataUriAsync(m.Reconstruction, ct), rep)).Append("<br><small>error ")
                        .Append(m.NormalizedError is { } e ? e.ToString("F3", CultureInfo.InvariantCulture) : "n/a")
                        .Append(" · colour gain ").Append(m.ColorGain is { } g ? g.ToString("+0.000;-0.000", CultureInfo.InvariantCulture) : "n/a")
                        .Append(" · PSNR ").Append(m.Psnr.ToString("F1", CultureInfo.InvariantCulture)).Append(" dB · SSIM ")
                        .Append(m.Ssim.ToString("F2", CultureInfo.InvariantCulture)).Append("<br>").Append(Enc(job.DecoderVersion));
                    if (await TestSetAsync(job.Representation, job.DecoderVersion, ct) is { } t)
                        html.Append("<br>test set: ").Append(t.NormalizedError.ToString("F3", CultureInfo.InvariantCulture))
                            .Append(" (mean image ").Append(t.MeanImageBaselineError.ToString("F3", CultureInfo.InvariantCulture)).Append(")");
                    html.Append("</small>");
                }
                else if (present.Contains(BlobNames.JobFailure(batch, accepted.ImageId, job.DecoderVersion)))
                {
                    var f = PipelineJson.Deserialize<FailureRecord>((await store.TryReadAsync(options.ResultsContainer, BlobNames.JobFailure(batch, accepted.ImageId, job.DecoderVersion), ct))!);
                    html.Append("<span class=\"err\">failed: ").Append(Enc(f.Error)).Append("</span>");
                }
                else
                {
                    // Marked stalled now, or by the page's script when it is viewed after the stall time.
                    var stalledAfter = ResultsQuery.StalledAfter(accepted, options);
                    html.Append(DateTimeOffset.UtcNow > stalledAfter
                        ? $"<span class=\"err\">stalled: pending since {accepted.IngestedUtc:u}</span>"
                        : $"<span class=\"pending\" data-stalled-after=\"{stalledAfter:O}\">pending</span>");
                }
                html.Append("</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</table><script>for(const e of document.querySelectorAll('[data-stalled-after]'))")
            .Append("if(Date.now()>Date.parse(e.dataset.stalledAfter)){e.className='err';e.textContent='stalled: no result '+")
            .Append(options.StalledAfterMinutes).Append("+' min after upload';}</script><p><small>generated ").Append(DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture)).Append("</small></p></body></html>");
        return html.ToString();
    }

    private async Task<string> DataUriAsync(string blob, CancellationToken ct)
    {
        if (_dataUris.TryGetValue(blob, out var uri)) return uri;
        var bytes = await store.TryReadAsync(options.ResultsContainer, blob, ct);
        if (bytes is null) return "";
        return _dataUris[blob] = "data:image/png;base64," + Convert.ToBase64String(bytes);
    }

    private static string Img(string src, string alt) => $"<img src=\"{src}\" alt=\"{Enc(alt)}\">";
    private static string Enc(string s) => WebUtility.HtmlEncode(s);
}
