using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker.Http;

namespace FeatureInversion.Functions;

/// <summary>The HTTP functions' responses: camelCase JSON, HTML pages, and errors as RFC 7807 problem details
/// (<c>application/problem+json</c> with type, title, status, detail and the request path as instance).</summary>
internal static class HttpResponses
{
    // camelCase JSON whatever serializer the worker is configured with; nulls left out.
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The header App Service authentication adds to a signed-in caller's request (and strips from any request
    /// that brings its own).</summary>
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL-ID";

    /// <summary>A 401 for a request App Service authentication did not sign in, or null. Authentication in front of the
    /// app already refuses such calls (infra/modules/functionapp.bicep); this keeps the data closed if it were ever
    /// turned off or its excluded paths widened.</summary>
    public static Task<HttpResponseData>? RefuseAnonymous(HttpRequestData request, CancellationToken ct) =>
        request.Headers.TryGetValues(PrincipalHeader, out var ids) && ids.Any(id => !string.IsNullOrWhiteSpace(id))
            ? null
            : ProblemAsync(
                request,
                HttpStatusCode.Unauthorized,
                "Sign-in required",
                "this API answers callers signed in through the app's Entra ID authentication only",
                ct
            );

    public static Task<HttpResponseData> JsonAsync<T>(HttpRequestData request, T body, CancellationToken ct) =>
        WriteAsync(
            request,
            HttpStatusCode.OK,
            "application/json; charset=utf-8",
            JsonSerializer.SerializeToUtf8Bytes(body, Web),
            ct
        );

    public static Task<HttpResponseData> HtmlAsync(HttpRequestData request, string html, CancellationToken ct) =>
        WriteAsync(request, HttpStatusCode.OK, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(html), ct);

    /// <summary>An RFC 7807 problem: <paramref name="title"/> says what kind of problem, <paramref name="detail"/> this
    /// occurrence.</summary>
    public static Task<HttpResponseData> ProblemAsync(
        HttpRequestData request,
        HttpStatusCode status,
        string title,
        string detail,
        CancellationToken ct
    )
    {
        var problem = new Dictionary<string, object>
        {
            ["type"] = $"https://www.rfc-editor.org/rfc/rfc9110#status.{(int)status}",
            ["title"] = title,
            ["status"] = (int)status,
            ["detail"] = detail,
            ["instance"] = request.Url.AbsolutePath,
        };
        return WriteAsync(
            request,
            status,
            "application/problem+json; charset=utf-8",
            JsonSerializer.SerializeToUtf8Bytes(problem, Web),
            ct
        );
    }

    public static string? Query(HttpRequestData request, string name) =>
        System.Web.HttpUtility.ParseQueryString(request.Url.Query)[name];

    private static async Task<HttpResponseData> WriteAsync(
        HttpRequestData request,
        HttpStatusCode status,
        string contentType,
        byte[] body,
        CancellationToken ct
    )
    {
        var response = request.CreateResponse(status);
        response.Headers.Add("Content-Type", contentType);
        response.Headers.Add("Cache-Control", "no-store"); // the bodies carry expiring read URLs
        await response.Body.WriteAsync(body, ct);
        return response;
    }
}
