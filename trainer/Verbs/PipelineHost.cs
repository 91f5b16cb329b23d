using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FeatureInversion.Trainer.Verbs;

/// <summary>The pipeline's core services configured from <c>Pipeline__*</c> environment variables, for the verbs that
/// talk to the deployed storage (<c>publish</c>, <c>retrain</c>), with telemetry as in the other hosts; options are
/// validated on first use.</summary>
internal static class PipelineHost
{
    public static ServiceProvider Build()
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var services = new ServiceCollection().AddLogging().AddPipelineCore(configuration);
        services.AddPipelineTelemetry(configuration, "feature-inversion-trainer");
        var provider = services.BuildServiceProvider();
        // No generic host here to start the providers: resolving them starts the export (disposed with the provider,
        // which flushes what is left).
        provider.GetService<OpenTelemetry.Trace.TracerProvider>();
        provider.GetService<OpenTelemetry.Metrics.MeterProvider>();
        return provider;
    }
}
