using FeatureInversion.Features;
using FeatureInversion.Imaging;
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
/// <see cref="AddPipelineCore"/> (storage, queue and gallery options from the "Pipeline" section, validated at start,
/// each concern's own class; the blob store and
/// queue by kind, their Azure clients through AddAzureClients with one credential; published models; galleries;
/// provisioning at start), then <see cref="AddIngestion"/> (the blob trigger's side) and <see cref="AddResultsApi"/>
/// (the HTTP function's side). The decoder worker's registration is <c>AddDecoderWorker</c> in
/// FeatureInversion.Reconstruction.
/// </summary>
public static class PipelineServices
{
    /// <summary>The configuration section every pipeline options class is bound from.</summary>
    public sealed record PipelineConfiguration(IConfigurationSection Section);

    public static IServiceCollection AddPipelineCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(new PipelineConfiguration(configuration.GetSection(PipelineSection.Name)));
        services.AddPipelineOptions<StorageOptions, StorageOptionsValidator>();
        services.AddPipelineOptions<QueueOptions, QueueOptionsValidator>();
        services.AddPipelineOptions<GalleryOptions>();
        // Hand-designed representations unless the host (with TorchSharp) registered a larger registry first.
        services.TryAddSingleton(_ => RepresentationRegistry.HandDesigned());
        services.AddPipelineAzureClients();
        services.TryAddSingleton(sp => BlobStoreKinds.Create(sp.GetRequiredService<StorageOptions>(), sp));
        services.TryAddSingleton(sp => JobQueueKinds.Create(sp.GetRequiredService<QueueOptions>(), sp));
        services.TryAddSingleton<ModelRegistry>();
        services.TryAddSingleton<GalleryWriter>();
        // One per process: ingestion and the workers' whole-image scoring decode from the same memory.
        services.TryAddSingleton(sp => new DecodeMemory(
            (long)sp.GetRequiredService<IngestionOptions>().DecodeMemoryMegabytes << 20
        ));
        services.AddHostedService<PipelineProvisioning>();
        return services;
    }

    /// <summary>Binds <typeparamref name="T"/> from the pipeline's section (registered by
    /// <see cref="AddPipelineCore"/>), validated at start by its data annotations and <typeparamref
    /// name="TValidator"/>; the value is injectable as such and logged at start.</summary>
    public static IServiceCollection AddPipelineOptions<T, TValidator>(this IServiceCollection services)
        where T : class
        where TValidator : class, IValidateOptions<T>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>, TValidator>());
        return services.AddPipelineOptions<T>();
    }

    /// <summary>Binds <typeparamref name="T"/> from the pipeline's section, validated at start by its data
    /// annotations; the value is injectable as such and logged at start.</summary>
    public static IServiceCollection AddPipelineOptions<T>(this IServiceCollection services)
        where T : class
    {
        if (services.Any(d => d.ServiceType == typeof(T)))
            return services; // registered by another concern of the same host (the worker reads ingestion's limits)
        services
            .AddOptions<T>()
            .Configure<PipelineConfiguration>((o, c) => c.Section.Bind(o))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
        services.AddSingleton(sp => new LoggedSettings(sp.GetRequiredService<T>()));
        return services;
    }

    /// <summary>The blob trigger's side: validate uploads, extract features, store them and queue jobs.</summary>
    public static IServiceCollection AddIngestion(this IServiceCollection services)
    {
        services.AddPipelineOptions<IngestionOptions, IngestionOptionsValidator>();
        // The binder appends a configured array to the property's default (Pipeline__Representations__0=hog gave
        // [hog, sift-grid, lbp, hog]: every image's HOG job queued twice); a configured list replaces the default.
        services
            .AddOptions<IngestionOptions>()
            .PostConfigure<PipelineConfiguration>(
                (o, c) =>
                    o.Representations = c.Section.GetSection(nameof(IngestionOptions.Representations)).Get<string[]>()
                        ?? o.Representations
            );
        services.TryAddSingleton(sp => sp.GetRequiredService<JobQueuePair>().Queue);
        services.TryAddSingleton<IngestionService>();
        services.TryAddSingleton<TriggerPoisonRecorder>();
        return services;
    }

    /// <summary>Validates every concern's options at once, with every reason, before the host starts: a host builds
    /// its hosted services before it runs the start-up validation, and a service built on invalid options reports only
    /// its own. Hosts call it between building and running.</summary>
    public static void ValidatePipelineSettings(this IServiceProvider services) =>
        services.GetService<IStartupValidator>()?.Validate();

    /// <summary>The HTTP functions' side: an image's status, a batch's report and gallery pages, with per-blob read
    /// URLs.</summary>
    public static IServiceCollection AddResultsApi(this IServiceCollection services)
    {
        services.TryAddSingleton<ResultsQuery>();
        services.TryAddSingleton<BatchQuery>();
        return services;
    }
}
