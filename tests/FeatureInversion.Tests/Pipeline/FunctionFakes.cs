using System.Security.Claims;
using Azure.Core.Serialization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.Extensions.DependencyInjection;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>Minimal HTTP request/response and function context, to call HTTP functions directly (Core Tools cannot run
/// here).</summary>
internal sealed class FakeFunctionContext : FunctionContext
{
    public FakeFunctionContext()
    {
        var services = new ServiceCollection();
        services.AddOptions<WorkerOptions>().Configure(o => o.Serializer = new JsonObjectSerializer());
        InstanceServices = services.BuildServiceProvider();
    }

    public override string InvocationId => "test";
    public override string FunctionId => "test";
    public override TraceContext TraceContext => null!;
    public override BindingContext BindingContext => null!;
    public override RetryContext RetryContext => null!;
    public override IServiceProvider InstanceServices { get; set; }
    public override FunctionDefinition FunctionDefinition => null!;
    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();
    public override IInvocationFeatures Features => null!;
}

/// <summary>A GET request; signed in (by default) it carries the principal header App Service authentication
/// adds.</summary>
internal sealed class FakeHttpRequest(Uri url, bool signedIn = true) : HttpRequestData(new FakeFunctionContext())
{
    public override Stream Body { get; } = new MemoryStream();
    public override HttpHeadersCollection Headers { get; } = SignedIn(signedIn);
    public override IReadOnlyCollection<IHttpCookie> Cookies { get; } = [];
    public override Uri Url { get; } = url;
    public override IEnumerable<ClaimsIdentity> Identities { get; } = [];
    public override string Method => "GET";

    public override HttpResponseData CreateResponse() => new FakeHttpResponse(FunctionContext);

    private static HttpHeadersCollection SignedIn(bool signedIn)
    {
        var headers = new HttpHeadersCollection();
        if (signedIn)
            headers.Add(
                FeatureInversion.Functions.HttpResponses.PrincipalHeader,
                "00000000-0000-0000-0000-000000000001"
            );
        return headers;
    }
}

internal sealed class FakeHttpResponse(FunctionContext context) : HttpResponseData(context)
{
    public override System.Net.HttpStatusCode StatusCode { get; set; }
    public override HttpHeadersCollection Headers { get; set; } = [];
    public override Stream Body { get; set; } = new MemoryStream();
    public override HttpCookies Cookies => throw new NotSupportedException();

    public string BodyText()
    {
        Body.Position = 0;
        return new StreamReader(Body).ReadToEnd();
    }
}
