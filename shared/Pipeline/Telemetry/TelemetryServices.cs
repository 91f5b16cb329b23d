using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

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

    public static OpenTelemetryBuilder AddPipelineTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        // The Azure SDK's ActivitySources are experimental and off unless switched on.
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
        var builder = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceNamespace: "feature-inversion"))
            .WithTracing(t => t.AddSource(PipelineTelemetry.Name, "Azure.*"))
            .WithMetrics(m => m.AddMeter(PipelineTelemetry.Name))
            .WithLogging(_ => { }, o => { o.IncludeScopes = true; o.IncludeFormattedMessage = true; });
        string? connectionString = configuration[ConnectionStringSetting];
        if (!string.IsNullOrWhiteSpace(connectionString))
            builder.UseAzureMonitorExporter(o =>
            {
                o.ConnectionString = connectionString;
                // Every trace, not the exporter's default rate limit: one trace per image is what is looked up.
                o.TracesPerSecond = null;
                o.SamplingRatio = 1.0F;
            });
        return builder;
    }
}
