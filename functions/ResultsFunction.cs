using System.Net;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Gallery;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;

namespace FeatureInversion.Functions;

/// <summary>
/// GET /api/results?image={blob name in the images container}: the image's status and read-only, expiring SAS URLs
/// of its reconstructions and metrics, and the address of its batch's gallery. 404 for an image never ingested, 400
/// without a name or with one no blob can have (<see cref="BlobNames.Problem"/>: any other name works, dots
/// included); errors are RFC 7807 problem details. Who may call it is decided in front of the app (App Service
/// authentication with Entra ID, infra/modules/functionapp.bicep), so the function itself takes no key.
/// </summary>
public sealed class ResultsFunction(ResultsQuery results)
{
    [Function("Results")]
    public async Task<HttpResponseData> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "results")] HttpRequestData request,
        CancellationToken ct
    )
    {
        if (HttpResponses.RefuseAnonymous(request, ct) is { } refused)
            return await refused;
        string? image = HttpResponses.Query(request, "image");
        if (BlobNames.Problem(image) is { } problem)
            return await HttpResponses.ProblemAsync(
                request,
                HttpStatusCode.BadRequest,
                "Invalid image name",
                $"pass ?image=<blob name in the images container> ({problem})",
                ct
            );
        var status = await results.GetAsync(image!, ct);
        if (status is null)
            return await HttpResponses.ProblemAsync(
                request,
                HttpStatusCode.NotFound,
                "Image not ingested",
                $"'{image}' has not been ingested",
                ct
            );
        return await HttpResponses.JsonAsync(
            request,
            status with
            {
                Gallery = BatchesFunction.GalleryUrl(request.Url, BlobNames.Batch(image!)),
            },
            ct
        );
    }
}
