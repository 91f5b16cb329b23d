using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using FeatureInversion.Pipeline.Gallery;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>
/// A generated gallery opened in a real browser: headless Chromium (Debian's <c>chromium</c>, installed by
/// scripts/install-test-deps.sh) loads the static page in a frame of a small harness page, which checks that every
/// image decodes, every link reads a blob, and reports the summary and the row order after the page's own script ran.
/// </summary>
[Trait(Tiers.Name, Tiers.Browser)]
public sealed class GalleryBrowserTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fi-browser-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record Seen(
        int Images,
        string[] Broken,
        int Links,
        string[] Bad,
        string[] Names,
        string[] Summary,
        string[] Flags
    );

    private const string Harness = """
        <!doctype html><html><body><pre id="out">waiting</pre><iframe id="f" width="1400" height="900"></iframe><script>
        const f = document.getElementById('f');
        f.addEventListener('load', () => {
          const d = f.contentDocument;
          const imgs = [...d.images];
          const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));
          const links = [...d.querySelectorAll('a[href]')].map(a => a.href).filter(h => h.startsWith('file:'));
          const bad = [];
          for (const h of links) {
            const x = new XMLHttpRequest();
            try { x.open('GET', h, false); x.send(); if (!x.responseText) bad.push(h); }
            catch (e) { bad.push(h + ' ' + e); }
          }
          document.getElementById('out').textContent = JSON.stringify({
            images: imgs.length, broken, links: links.length, bad,
            names: [...d.querySelectorAll('#rows tbody tr')].map(r => r.dataset.name),
            summary: [...d.querySelectorAll('#summary tr[data-rep]')]
              .map(r => r.dataset.rep + ': ' + r.querySelector('.beat').textContent),
            flags: [...d.querySelectorAll('#rows td.worse')].map(td => td.closest('tr').dataset.name) });
        });
        f.src = decodeURIComponent(location.search.slice(1));
        </script></body></html>
        """;

    [Fact]
    public async Task ChromiumShowsTheSummaryRanksTheRowsLoadsEveryImageAndLinkAndSortsByTheAddress()
    {
        // Ranked by reveal: b (0.2/0.5), a (0.5/0.8), c (0.7/0.7, its hog and lbp flagged); by name: a, b, c.
        await GalleryTests.BatchAsync(
            _dir,
            "audit",
            [("a.jpg", 0.50, 0.90, 0.80), ("b.jpg", 0.20, 0.30, 0.50), ("c.jpg", 0.70, 0.75, 0.70)]
        );
        var (store, options) = (
            new FeatureInversion.Pipeline.Storage.LocalBlobStore(_dir),
            new PipelineSettings
            {
                Storage = new() { Storage = "local", LocalRoot = _dir },
            }
        );
        await new GalleryWriter(store, options.Storage, options.Gallery).RebuildAsync("audit");
        string batchDir = Path.Combine(_dir, options.Storage.ResultsContainer, "audit");
        File.WriteAllText(Path.Combine(batchDir, "harness.html"), Harness);

        var ranked = Open(batchDir, "index.html");
        Assert.Empty(ranked.Broken);
        // the refused row has none; per image: photo, crop, 2 × (reconstruction, energy)
        Assert.Equal(3 * (2 + 2 * 2), ranked.Images);
        Assert.Empty(ranked.Bad);
        Assert.Equal(3 * 2 * 3, ranked.Links); // PNG, metrics JSON, energy per result
        Assert.Equal(["hog: 2 of 3", "lbp: 1 of 3"], ranked.Summary);
        Assert.Equal(["audit/b.jpg", "audit/a.jpg", "audit/c.jpg", "audit/notes.txt"], ranked.Names);
        Assert.Equal(["audit/a.jpg", "audit/c.jpg", "audit/c.jpg"], ranked.Flags);

        var byName = Open(batchDir, "index.html#sort=name");
        Assert.Equal(["audit/a.jpg", "audit/b.jpg", "audit/c.jpg", "audit/notes.txt"], byName.Names);
        var byLbpDescending = Open(batchDir, "index.html#sort=e1-desc");
        Assert.Equal("audit/notes.txt", byLbpDescending.Names[0]); // no lbp error sorts as the largest
        Assert.Equal(["audit/a.jpg", "audit/c.jpg", "audit/b.jpg"], byLbpDescending.Names[1..]);
    }

    private static Seen Open(string dir, string page)
    {
        string chromium = Environment.GetEnvironmentVariable("CHROMIUM") ?? "chromium";
        var start = new ProcessStartInfo(chromium)
        {
            // Root in CI: no sandbox. File pages may read their own folder only with --allow-file-access-from-files.
            ArgumentList =
            {
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--allow-file-access-from-files",
                "--virtual-time-budget=10000",
                "--dump-dom",
                new Uri(Path.Combine(dir, "harness.html")).AbsoluteUri + "?" + Uri.EscapeDataString(page),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"'{chromium}' is not installed (scripts/install-test-deps.sh installs Debian's chromium): {e.Message}"
            );
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string dom = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
            {
                process.Kill(true);
                throw new TimeoutException("chromium did not finish in 90 s");
            }
            var match = Regex.Match(dom, "<pre id=\"out\">(.*?)</pre>", RegexOptions.Singleline);
            Assert.True(
                match.Success && match.Groups[1].Value != "waiting",
                $"the harness did not report (exit {process.ExitCode}): "
                    + $"{stderr.Result[^Math.Min(400, stderr.Result.Length)..]}"
            );
            return JsonSerializer.Deserialize<Seen>(
                System.Net.WebUtility.HtmlDecode(match.Groups[1].Value),
                JsonSerializerOptions.Web
            )!;
        }
    }
}
