using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Resources;

namespace FeatureInversion.Pipeline.Telemetry;

/// <summary>
/// OpenTelemetry for a host (function app, worker, trainer): the pipeline's spans and metrics, the Azure SDK's spans
/// (blob, queue and Service Bus calls), and logs with their scopes, exported to Application Insights when
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (infra/modules/monitoring.bicep sets it). Without it nothing is
/// exported and logs go to the console only.
/// </summary>
public static class TelemetryServices
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Application Insights' own setting for Entra ID ingestion ("Authorization=AAD;ClientId=…"), which the
    /// Functions host reads too. The deployment sets it: the resource refuses key-based ingestion
    /// (monitoring.bicep).</summary>
    public const string AuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>The credential the exporter authenticates with: the user-assigned identity the authentication string
    /// names, DefaultAzureCredential for "Authorization=AAD" alone, none (key-based ingestion) when unset.</summary>
    public static Azure.Core.TokenCredential? IngestionCredential(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
            return null;
        var parts = authenticationString
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (
            !parts.TryGetValue("Authorization", out var kind) || !kind.Equals("AAD", StringComparison.OrdinalIgnoreCase)
        )
            throw new InvalidOperationException(
                $"{AuthenticationSetting} must be 'Authorization=AAD[;ClientId=<user-assigned identity's client "
                    + $"id>]', not '{authenticationString}'."
            );
        return parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? new Azure.Identity.ManagedIdentityCredential(
                Azure.Identity.ManagedIdentityId.FromUserAssignedClientId(clientId)
            )
            : new Azure.Identity.DefaultAzureCredential();
    }

    public static OpenTelemetryBuilder AddPipelineTelemetry(
        this IServiceCollection services,
        IConfiguration configuration,
        string serviceName
    )
    {
        // The Azure SDK's ActivitySources are experimental and off unless switched on.
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
        var builder = services
            .AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceNamespace: "feature-inversion"))
            .WithTracing(t => t.AddSource(PipelineTelemetry.Name, "Azure.*"))
            .WithMetrics(m => m.AddMeter(PipelineTelemetry.Name))
            .WithLogging(
                _ => { },
                o =>
                {
                    o.IncludeScopes = true;
                    o.IncludeFormattedMessage = true;
                }
            );
        string? connectionString = configuration[ConnectionStringSetting];
        var credential = IngestionCredential(configuration[AuthenticationSetting]);
        if (!string.IsNullOrWhiteSpace(connectionString))
            builder.UseAzureMonitorExporter(o =>
            {
                o.ConnectionString = connectionString;
                if (credential is not null)
                    o.Credential = credential; // Entra ID ingestion
                // Every trace, not the exporter's default rate limit: one trace per image is what is looked up.
                o.TracesPerSecond = null;
                o.SamplingRatio = 1.0F;
            });
        return builder;
    }
}
