using FeatureInversion.Pipeline.Hosting;
using FeatureInversion.Pipeline.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FeatureInversion.Trainer.Verbs;

/// <summary>The pipeline's core services configured from <c>Pipeline__*</c> environment variables, for the verbs that
/// talk to the deployed storage (<c>publish</c>, <c>retrain</c>), with telemetry as in the other hosts; options are
/// validated on first use.</summary>
internal static class PipelineHost
{
    /// <summary>The services over the <c>Pipeline__*</c> environment; <paramref name="verb"/> names the caller in the
    /// refusal when no storage is configured at all (the defaults would quietly create ./pipeline-data wherever it is
    /// run).</summary>
    public static ServiceProvider Build(string verb)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var pipeline = configuration.GetSection("Pipeline");
        if (
            pipeline["Storage"] is null
            && pipeline["LocalRoot"] is null
            && pipeline["BlobConnectionString"] is null
            && pipeline["BlobServiceUri"] is null
        )
            throw new UsageException(
                $"{verb} needs a storage account to write to, and none is configured: set Pipeline__Storage=azure "
                    + $"with Pipeline__BlobServiceUri (or Pipeline__BlobConnectionString, e.g. "
                    + $"UseDevelopmentStorage=true for Azurite), or Pipeline__LocalRoot=DIR for a local folder "
                    + $"(docs/pipeline.md)"
            );
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
