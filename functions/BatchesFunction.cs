using System.Net;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Gallery;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;

namespace FeatureInversion.Functions;

/// <summary>
/// A batch for auditors. <c>GET /api/batches/{batch}?page=&amp;sort=</c>: JSON with the summary per representation
/// (mean error, baseline, how many results beat it, colour gain, the decoder's test-set figures) and one page of rows
/// with their metrics inline and a read URL per blob. <c>GET /api/gallery/{batch}?page=&amp;sort=</c>: the same page
/// as HTML. Orders: reveal (default: most revealing first), name, error:{representation}. Every URL reads one blob
/// and expires after Pipeline:ResultUrlSeconds. Errors are RFC 7807 problem details (400 bad page/order/name, 404
/// unknown batch). Batch names may contain '/', so they are the routes' last, catch-all segment.
/// </summary>
public sealed class BatchesFunction(BatchQuery batches)
{
    [Function("Batch")]
    public Task<HttpResponseData> BatchAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "batches/{*batch}")] HttpRequestData request,
        string batch,
        CancellationToken ct
    ) =>
        AnswerAsync(
            request,
            batch,
            async (report, page, sort) =>
                await HttpResponses.JsonAsync(request, await batches.PageAsync(report, page, sort, ct), ct),
            ct
        );

    [Function("Gallery")]
    public Task<HttpResponseData> GalleryAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "gallery/{*batch}")] HttpRequestData request,
        string batch,
        CancellationToken ct
    ) =>
        AnswerAsync(
            request,
            batch,
            async (report, page, sort) =>
                await HttpResponses.HtmlAsync(request, await batches.RenderAsync(report, page, sort, ct), ct),
            ct
        );

    /// <summary>The gallery's address for a batch, on the host that answered <paramref name="requestUrl"/>.</summary>
    public static Uri GalleryUrl(Uri requestUrl, string batch) =>
        new(requestUrl, "/api/gallery/" + string.Join('/', batch.Split('/').Select(Uri.EscapeDataString)));

    private async Task<HttpResponseData> AnswerAsync(
        HttpRequestData request,
        string? batch,
        Func<BatchReport, int, string, Task<HttpResponseData>> answer,
        CancellationToken ct
    )
    {
        if (HttpResponses.RefuseAnonymous(request, ct) is { } refused)
            return await refused;
        batch = Uri.UnescapeDataString(batch ?? "");
        string? pageText = HttpResponses.Query(request, "page");
        if (
            pageText is not null
            && !int.TryParse(
                pageText,
                System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture,
                out _
            )
        )
            return await HttpResponses.ProblemAsync(
                request,
                HttpStatusCode.BadRequest,
                "Invalid page",
                $"page must be a positive whole number, got '{pageText}'",
                ct
            );
        int page = pageText is null ? 1 : int.Parse(pageText, System.Globalization.CultureInfo.InvariantCulture);
        string sort = HttpResponses.Query(request, "sort") ?? Ranking.Default;
        try
        {
            if (BlobNames.Problem(batch) is { } problem)
                return await HttpResponses.ProblemAsync(
                    request,
                    HttpStatusCode.BadRequest,
                    "Invalid batch name",
                    $"'{batch}': {problem}",
                    ct
                );
            var report = await batches.ReportAsync(batch, ct);
            if (report is null)
                return await HttpResponses.ProblemAsync(
                    request,
                    HttpStatusCode.NotFound,
                    "Unknown batch",
                    $"nothing was ingested in batch '{batch}'",
                    ct
                );
            return await answer(report, page, sort);
        }
        catch (BatchQueryException e)
        {
            return await HttpResponses.ProblemAsync(
                request,
                HttpStatusCode.BadRequest,
                "Invalid batch request",
                e.Message,
                ct
            );
        }
    }
}
