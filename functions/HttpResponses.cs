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
