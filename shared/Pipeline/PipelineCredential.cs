using Azure.Core;
using Azure.Identity;

namespace FeatureInversion.Pipeline;

/// <summary>
/// The one Entra ID credential of a process: every Azure client (blobs, storage queue, Service Bus) shares it, so tokens
/// are cached once and the managed identity endpoint is asked once per scope, not once per client. DefaultAzureCredential
/// picks the user-assigned identity named by <c>AZURE_CLIENT_ID</c> in Azure, the developer's login locally.
/// </summary>
public static class PipelineCredential
{
    private static readonly Lazy<TokenCredential> Shared = new(() => new DefaultAzureCredential());

    public static TokenCredential Instance => Shared.Value;
}
