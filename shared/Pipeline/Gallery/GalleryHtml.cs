using System.Globalization;
using System.Net;
using System.Text;

namespace FeatureInversion.Pipeline.Gallery;

/// <summary>Where the page's links go: a blob's URL (relative for the static pages, a per-blob read SAS from the API)
/// and the URL of another page or order of the same gallery.</summary>
public sealed record GalleryLinks(Func<string, string> Blob, Func<int, string, string> Page);

/// <summary>
/// One page of a batch's gallery as HTML: what the numbers mean (lower is better, the baseline), a summary per
/// representation, then the page's rows ranked by how much they reveal, each with the uploaded photo, the decoder's
/// input crop (captioned as such), and per representation the reconstruction, the features' energy, the error against
/// the baseline (flagged when no better), PSNR/SSIM and links to the PNG and the metrics JSON. Images are separate
/// blobs loaded lazily (no data URIs). Columns sort the page in the browser; the links sort the whole batch.
/// </summary>
public static class GalleryHtml
{
    public static string Render(BatchReport report, int page, int pageSize, string sort, GalleryLinks links, int stalledAfterMinutes)
    {
        var rows = Ranking.Sort(report.Rows, sort);
        int pages = Math.Max(1, (rows.Count + pageSize - 1) / pageSize);
        page = Math.Clamp(page, 1, pages);
        var shown = rows.Skip((page - 1) * pageSize).Take(pageSize).ToList();
        var reps = report.Representations.Select(r => r.Representation).ToList();

        var h = new StringBuilder();
        h.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>Reconstructions: ")
            .Append(Enc(report.Batch)).Append("</title><style>").Append(Style.Replace("SCALE_STOPS", ScaleStops)).Append("</style></head><body>")
            .Append("<h1>Feature inversion: ").Append(Enc(report.Batch)).Append("</h1>")
            .Append("<p class=\"about\">Each image's features were inverted by a decoder trained to reconstruct images from them (Dosovitskiy &amp; Brox, CVPR 2016). ")
            .Append("<b>Error</b> = ‖x − f(Φ(x))‖₂ / N, the distance between the decoder's input crop and its reconstruction over N, the decoder's mean distance between test images: <b>lower is better</b> (the features reveal more). ")
            .Append("<b>Baseline</b> = the same error for the decoder's mean training image; a result at or above it (<span class=\"worse\">flagged</span>) shows nothing the mean image does not. ")
            .Append("Rows are ranked by how much the image reveals, most first: ").Append(Enc(Ranking.RevealDefinition)).Append(". ")
            .Append("Feature views: <span class=\"scale\" title=\"scaled per image\"></span> from 0 to the image's largest value (the view's kind is in its link title).</p>");

        h.Append("<table id=\"summary\"><caption>Summary per representation (").Append(report.Uploads).Append(" uploads, ").Append(report.Refused).Append(" refused)</caption>")
            .Append("<tr><th>representation</th><th>results</th><th>mean error</th><th>mean baseline</th><th>better than baseline</th><th>colour gain</th><th>test-set error (baseline)</th><th>decoder</th></tr>");
        foreach (var s in report.Representations)
        {
            h.Append("<tr data-rep=\"").Append(Enc(s.Representation)).Append("\"><th>").Append(Enc(s.Representation)).Append("</th><td>")
                .Append(s.Done).Append(" done");
            if (s.Failed > 0) h.Append(", <span class=\"err\">").Append(s.Failed).Append(" failed</span>");
            if (s.Pending > 0) h.Append(", ").Append(s.Pending).Append(" pending");
            h.Append("</td><td class=\"mean-error\">").Append(F3(s.MeanError)).Append("</td><td class=\"mean-baseline\">").Append(F3(s.MeanBaselineError))
                .Append("</td><td class=\"beat\">").Append(s.BeatBaseline).Append(" of ").Append(s.Compared).Append("</td><td>").Append(Signed(s.MeanColorGain))
                .Append("</td><td>").Append(F3(s.TestSetError)).Append(" (").Append(F3(s.TestSetBaselineError)).Append(")</td><td><small>")
                .Append(Enc(string.Join(", ", s.DecoderVersions))).Append("</small></td></tr>");
        }
        h.Append("</table>");

        AppendPager(h, links, page, pages, sort, shown.Count, rows.Count, pageSize, reps);
        h.Append("<table id=\"rows\"><thead><tr><th data-key=\"rank\">#</th><th data-key=\"name\">photo</th><th>decoder input</th><th data-key=\"reveal\" title=\"").Append(Enc(Ranking.RevealDefinition)).Append("\">reveals</th>");
        foreach (var (rep, i) in reps.Select((r, i) => (r, i)))
            h.Append("<th data-key=\"e").Append(i).Append("\">").Append(Enc(rep)).Append("<br><small>reconstruction · feature view</small></th>");
        h.Append("</tr></thead><tbody>");
        int rank = (page - 1) * pageSize;
        foreach (var row in shown)
        {
            rank++;
            h.Append("<tr data-rank=\"").Append(rank).Append("\" data-name=\"").Append(Enc(row.ImageBlob)).Append("\" data-reveal=\"").Append(Key(row.Reveal)).Append('"');
            for (int i = 0; i < reps.Count; i++)
                h.Append(" data-e").Append(i).Append("=\"").Append(Key(row.Results.FirstOrDefault(c => c.Representation == reps[i] && c.Status == JobStatus.Done)?.NormalizedError)).Append('"');
            h.Append("><td>").Append(rank).Append("</td><td class=\"photo\">");
            if (row.Thumbnail is not null) h.Append(Img(links.Blob(row.Thumbnail), "uploaded photo", "thumb"));
            h.Append("<br>").Append(Enc(BlobNames.FileName(row.ImageBlob)));
            if (row.Status == UploadStatus.Refused)
            {
                h.Append("</td><td class=\"err\" colspan=\"").Append(reps.Count + 2).Append("\">refused: ").Append(Enc(row.Error ?? "")).Append("</td></tr>");
                continue;
            }
            h.Append("<br><small>").Append(row.Width).Append('×').Append(row.Height).Append("</small></td><td>");
            var crop = row.Results.FirstOrDefault(c => c.Original is not null);
            if (row.FeatureFile is not null)
                h.Append("<span class=\"nooriginal\">from an uploaded feature file: no original</span><br><small>").Append(Enc(row.FeatureFile)).Append("</small>");
            else if (crop is not null)
                h.Append("<figure>").Append(Img(links.Blob(crop.Original!), "decoder input")).Append("<figcaption>decoder input: centre square at ")
                    .Append(crop.ImageSize).Append(" px</figcaption></figure>");
            else h.Append("pending");
            h.Append("</td><td class=\"reveal\">").Append(F3(row.Reveal)).Append("</td>");
            foreach (var rep in reps)
            {
                var cell = row.Results.FirstOrDefault(c => c.Representation == rep);
                h.Append("<td").Append(cell?.WorseThanBaseline == true ? " class=\"worse\"" : "").Append('>');
                if (cell is null) h.Append('—');
                else if (cell.Status == JobStatus.Done) AppendResult(h, cell, links);
                else if (cell.Status == JobStatus.Failed) h.Append("<span class=\"err\">failed: ").Append(Enc(cell.Error ?? "")).Append("</span>");
                else if (cell.StalledAfterUtc is { } after && DateTimeOffset.UtcNow > after)
                    h.Append("<span class=\"err\">stalled: pending since ").Append(Enc(row.IngestedUtc.ToString("u", CultureInfo.InvariantCulture))).Append("</span>");
                else h.Append("<span class=\"pending\" data-stalled-after=\"").Append(cell.StalledAfterUtc?.ToString("O", CultureInfo.InvariantCulture)).Append("\">pending</span>");
                h.Append("</td>");
            }
            h.Append("</tr>");
        }
        h.Append("</tbody></table>");
        AppendPager(h, links, page, pages, sort, shown.Count, rows.Count, pageSize, reps);
        h.Append("<p><small>updated ").Append(report.UpdatedUtc.ToString("u", CultureInfo.InvariantCulture)).Append("</small></p><script>")
            .Append(Script.Replace("STALL_MINUTES", stalledAfterMinutes.ToString(CultureInfo.InvariantCulture))).Append("</script></body></html>");
        return h.ToString();
    }

    private static void AppendResult(StringBuilder h, ResultCell cell, GalleryLinks links)
    {
        h.Append("<div class=\"pair\">").Append(Img(links.Blob(cell.Reconstruction!), $"{cell.Representation} reconstruction"));
        if (cell.FeatureEnergy is not null) h.Append(Img(links.Blob(cell.FeatureEnergy), $"{cell.Representation} {ViewTitle(cell.FeatureView)}", "energy"));
        if (cell.Original is null)
        {
            h.Append("</div><div class=\"num\">not scored: no original<br><small><a href=\"").Append(Enc(links.Blob(cell.Reconstruction!))).Append("\">PNG</a> · <a href=\"")
                .Append(Enc(links.Blob(cell.Metrics!))).Append("\">metrics JSON</a></small></div>");
            return;
        }
        h.Append("</div><div class=\"num\">error <b class=\"error\">").Append(F3(cell.NormalizedError)).Append("</b> · baseline <span class=\"baseline\">")
            .Append(F3(cell.BaselineError)).Append("</span>").Append(cell.BaselineIsPerImage ? "" : "<sup title=\"the decoder's test-set baseline (no mean image published)\">t</sup>");
        if (cell.WorseThanBaseline) h.Append("<br><span class=\"flag\">⚑ no better than the mean image</span>");
        h.Append("<br><small>PSNR ").Append(cell.Psnr?.ToString("F1", CultureInfo.InvariantCulture)).Append(" dB · SSIM ").Append(cell.Ssim?.ToString("F2", CultureInfo.InvariantCulture))
            .Append(" · colour gain ").Append(Signed(cell.ColorGain)).Append("<br><a href=\"").Append(Enc(links.Blob(cell.Reconstruction!))).Append("\">PNG</a> · <a href=\"")
            .Append(Enc(links.Blob(cell.Metrics!))).Append("\">metrics JSON</a>");
        if (cell.FeatureEnergy is not null)
            h.Append(" · <a href=\"").Append(Enc(links.Blob(cell.FeatureEnergy))).Append("\" title=\"").Append(Enc(ViewTitle(cell.FeatureView))).Append("\">")
                .Append(Enc(cell.FeatureView ?? "energy")).Append("</a>");
        h.Append("</small></div>");
    }

    /// <summary>The feature views' colour ramp as CSS gradient stops (the legend shows the ramp the views are painted with).</summary>
    private static readonly string ScaleStops = string.Join(",", FeatureInversion.Features.FeatureEnergy.RampStops.Select(c => $"rgb({c.R},{c.G},{c.B})"));

    /// <summary>What a feature view shows, for its alt text and link title (older results carry no kind: they are energy views).</summary>
    private static string ViewTitle(string? kind) => kind switch
    {
        "contrast" => "feature contrast: each cell's distance from the image's mean cell (its cells all have the same norm, so energy would be flat)",
        "channels" => "feature vector: the magnitude of each channel, row by row",
        _ => "feature energy: the L2 norm of the features at each position",
    };

    private static void AppendPager(StringBuilder h, GalleryLinks links, int page, int pages, string sort, int shown, int total, int pageSize, List<string> reps)
    {
        int first = total == 0 ? 0 : (page - 1) * pageSize + 1;
        h.Append("<nav class=\"pager\">rows ").Append(first).Append('–').Append(first + shown - (shown > 0 ? 1 : 0)).Append(" of ").Append(total)
            .Append(" · page ").Append(page).Append(" of ").Append(pages);
        if (page > 1) h.Append(" · <a rel=\"prev\" href=\"").Append(Enc(links.Page(page - 1, sort))).Append("\">previous</a>");
        if (page < pages) h.Append(" · <a rel=\"next\" href=\"").Append(Enc(links.Page(page + 1, sort))).Append("\">next</a>");
        var orders = new List<string> { Ranking.Default, Ranking.Name };
        orders.AddRange(reps.Select(r => Ranking.ErrorPrefix + r));
        var sortLinks = orders.Where(o => o != sort).Select(o => (o, href: links.Page(1, o))).Where(l => l.href.Length > 0).ToList();
        if (sortLinks.Count > 0)
        {
            h.Append(" · order: <b>").Append(Enc(sort)).Append("</b>");
            foreach (var (o, href) in sortLinks) h.Append(" <a class=\"order\" href=\"").Append(Enc(href)).Append("\">").Append(Enc(o)).Append("</a>");
        }
        h.Append("</nav>");
    }

    private static string Img(string src, string alt, string? cls = null) =>
        $"<img loading=\"lazy\" src=\"{Enc(src)}\" alt=\"{Enc(alt)}\" title=\"{Enc(alt)}\"{(cls is null ? "" : $" class=\"{cls}\"")}>";

    private static string F3(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("F3", CultureInfo.InvariantCulture) : "n/a";
    private static string Signed(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("+0.000;-0.000", CultureInfo.InvariantCulture) : "n/a";
    private static string Key(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("R", CultureInfo.InvariantCulture) : "";
    private static string Enc(string s) => WebUtility.HtmlEncode(s);

    private const string Style =
        "body{font-family:sans-serif;margin:1em;color:#222}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:4px;text-align:center;vertical-align:top}" +
        "caption{text-align:left;font-weight:bold}.about{max-width:60em}img{width:96px;height:96px;image-rendering:pixelated}img.thumb{width:auto;height:auto;max-width:160px;max-height:160px;image-rendering:auto}" +
        "img.energy{width:48px;height:48px}.scale{display:inline-block;width:6em;height:.8em;vertical-align:middle;border:1px solid #999;background:linear-gradient(90deg,SCALE_STOPS)}figure{margin:0}figcaption{font-size:small;color:#555;max-width:8em;margin:auto}.pair{display:flex;gap:2px;align-items:flex-end;justify-content:center}" +
        ".err{color:#b00;max-width:16em}.worse{background:#fde8e8}.flag{color:#b00;font-size:small}small{color:#555}th[data-key]{cursor:pointer;text-decoration:underline dotted}.pager{margin:.5em 0}";

    // Sorts the page's rows by a column (click again to reverse), kept in the address (#sort=e0, #sort=name-desc) so a
    // sorted page can be shared and reloaded; marks pending results stalled once the page is old enough.
    private const string Script =
        "const tb=document.querySelector('#rows tbody');" +
        "function sortBy(k,desc){const v=r=>{const x=r.dataset[k];return k==='name'?x:(x===''||x===undefined?Infinity:parseFloat(x));};const d=desc?-1:1;" +
        "[...tb.rows].sort((a,b)=>{const x=v(a),y=v(b);return (x<y?-1:x>y?1:0)*d;}).forEach(r=>tb.appendChild(r));" +
        "document.querySelectorAll('#rows th[data-key]').forEach(th=>th.dataset.dir=th.dataset.key===k?(desc?'desc':'asc'):'');}" +
        "document.querySelectorAll('#rows th[data-key]').forEach(th=>th.addEventListener('click',()=>{const desc=th.dataset.dir==='asc';" +
        "sortBy(th.dataset.key,desc);history.replaceState(null,'','#sort='+th.dataset.key+(desc?'-desc':''));}));" +
        "const m=/^#sort=([a-z0-9]+?)(-desc)?$/.exec(location.hash);if(m&&document.querySelector('#rows th[data-key=\"'+m[1]+'\"]'))sortBy(m[1],!!m[2]);" +
        "for(const e of document.querySelectorAll('[data-stalled-after]'))if(Date.now()>Date.parse(e.dataset.stalledAfter)){e.className='err';e.textContent='stalled: no result STALL_MINUTES min after upload';}";
}
