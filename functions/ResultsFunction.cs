using System.Net;
using System.Text.Json;
using FeatureInversion.Pipeline;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;

namespace FeatureInversion.Functions;

/// <summary>
/// GET /api/results?image={blob name in the images container}: the image's status and read-only, expiring SAS URLs
/// of its reconstructions, metrics and batch gallery. 404 for an image never ingested, 400 without a name or with
/// one no blob can have (<see cref="BlobNames.Problem"/>: any other name works, dots included).
/// </summary>
public sealed class ResultsFunction(ResultsQuery results)
{
    [Function("Results")]
    public async Task<HttpResponseData> RunAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "results")] HttpRequestData request, CancellationToken ct)
    {
        string? image = System.Web.HttpUtility.ParseQueryString(request.Url.Query)["image"];
        string? problem = BlobNames.Problem(image);
        if (image is null || problem is not null)
            return await Json(request, HttpStatusCode.BadRequest, new { error = $"pass ?image=<blob name in the images container> ({problem})" }, ct);
        var status = await results.GetAsync(image, ct);
        return status is null
            ? await Json(request, HttpStatusCode.NotFound, new { error = $"'{image}' has not been ingested" }, ct)
            : await Json(request, HttpStatusCode.OK, status, ct);
    }

    // camelCase JSON whatever serializer the worker is configured with.
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private static async Task<HttpResponseData> Json<T>(HttpRequestData request, HttpStatusCode code, T body, CancellationToken ct)
    {
        var response = request.CreateResponse(code);
        response.Headers.Add("Content-Type", "application/json; charset=utf-8");
        await response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body, Web), ct);
        return response;
    }
}
