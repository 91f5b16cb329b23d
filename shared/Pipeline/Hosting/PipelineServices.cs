using FeatureInversion.Features;
using FeatureInversion.Pipeline.Gallery;
using FeatureInversion.Pipeline.Ingestion;
using FeatureInversion.Pipeline.Publishing;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FeatureInversion.Pipeline.Hosting;

/// <summary>
/// Registration of the pipeline's torch-free services, split so that each host registers only what it runs:
/// <see cref="AddPipelineCore"/> (options from the "Pipeline" section, validated at start; the blob store and
/// queue by kind, their Azure clients through AddAzureClients with one credential; published models; galleries;
/// provisioning at start), then <see cref="AddIngestion"/> (the blob trigger's side) and <see cref="AddResultsApi"/>
/// (the HTTP function's side). The decoder worker's registration is <c>AddDecoderWorker</c> in
/// FeatureInversion.Reconstruction.
/// </summary>
public static class PipelineServices
{
    public static IServiceCollection AddPipelineCore(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(PipelineOptions.Section);
        // The binder appends a configured array to the property's default (Pipeline__Representations__0=hog gave
        // [hog, sift-grid, lbp, hog]: every image's HOG job queued twice); a configured list replaces the default.
        services
            .AddOptions<PipelineOptions>()
            .Bind(section)
            .PostConfigure(o =>
                o.Representations = section.GetSection(nameof(PipelineOptions.Representations)).Get<string[]>()
                    ?? o.Representations
            )
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PipelineOptions>, PipelineOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<PipelineOptions>>().Value);
        // Hand-designed representations unless the host (with TorchSharp) registered a larger registry first.
        services.TryAddSingleton(_ => RepresentationRegistry.HandDesigned());
        services.AddPipelineAzureClients();
        services.TryAddSingleton(sp => BlobStoreKinds.Create(sp.GetRequiredService<PipelineOptions>(), sp));
        services.TryAddSingleton(sp => JobQueueKinds.Create(sp.GetRequiredService<PipelineOptions>(), sp));
        services.TryAddSingleton<ModelRegistry>();
        services.TryAddSingleton<GalleryWriter>();
        services.AddHostedService<PipelineProvisioning>();
        return services;
    }

    /// <summary>The blob trigger's side: validate uploads, extract features, store them and queue jobs.</summary>
    public static IServiceCollection AddIngestion(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => sp.GetRequiredService<JobQueuePair>().Queue);
        services.TryAddSingleton<IngestionService>();
        return services;
    }

    /// <summary>The HTTP functions' side: an image's status, a batch's report and gallery pages, with per-blob read
    /// URLs.</summary>
    public static IServiceCollection AddResultsApi(this IServiceCollection services)
    {
        services.TryAddSingleton<ResultsQuery>();
        services.TryAddSingleton<BatchQuery>();
        return services;
    }
}
