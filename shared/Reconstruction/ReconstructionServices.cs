using FeatureInversion.Decoders.Inference;
using FeatureInversion.Features;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Gallery;
using FeatureInversion.Pipeline.Hosting;
using FeatureInversion.Pipeline.Ingestion;
using FeatureInversion.Pipeline.Publishing;
using FeatureInversion.Pipeline.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static TorchSharp.torch;

namespace FeatureInversion.Reconstruction;

/// <summary>The device the worker decodes on, from <see cref="DecoderWorkerOptions.Device"/>.</summary>
public sealed record WorkerDevice(Device Device)
{
    public static WorkerDevice From(DecoderWorkerOptions options) =>
        new(TorchDevices.Resolve(Enum.Parse<DeviceChoice>(options.Device, ignoreCase: true)));
}

/// <summary>Registration of the decoder worker (the GPU container's process) on top of
/// <c>AddPipelineCore</c>.</summary>
public static class ReconstructionServices
{
    /// <summary>
    /// The representations this process computes (<paramref name="representations"/>, from the host: the worker
    /// passes every CNN layer it has, the CLI adds AlexNet from its option), the job source, the decoder pool on the
    /// configured device, the job handler, and the hosted worker loop and health endpoint; provisioning creates the
    /// results and models containers.
    /// </summary>
    public static IServiceCollection AddDecoderWorker(
        this IServiceCollection services,
        RepresentationRegistry representations
    )
    {
        services.Replace(ServiceDescriptor.Singleton(representations));
        services.AddPipelineOptions<DecoderWorkerOptions>();
        services.TryAddSingleton(sp => sp.GetRequiredService<JobQueuePair>().Source);
        services.TryAddSingleton(sp => sp.GetRequiredService<JobQueuePair>().DeadLetters);
        services.TryAddSingleton<DeadLetterRecorder>();
        services.TryAddSingleton(sp => WorkerDevice.From(sp.GetRequiredService<DecoderWorkerOptions>()));
        services.TryAddSingleton(sp => new DecoderPool(
            sp.GetRequiredService<ModelRegistry>(),
            sp.GetRequiredService<DecoderWorkerOptions>(),
            sp.GetRequiredService<QueueOptions>(),
            sp.GetRequiredService<RepresentationRegistry>(),
            sp.GetRequiredService<WorkerDevice>().Device
        ));
        services.TryAddSingleton<ReconstructionWorker>();
        services.TryAddSingleton<WorkerHealth>();
        services.AddSingleton(new ContainerNeed(o => o.ResultsContainer));
        services.AddSingleton(new ContainerNeed(o => o.ModelsContainer));
        services.AddPipelineOptions<IngestionOptions, IngestionOptionsValidator>(); // the originals' decode limits
        // The read model's projection: told by the result writers which batches changed, run apart from decoding.
        // Registered before the job loop, so it stops after it (hosts stop services in reverse) and its last
        // update includes the last jobs' results.
        services.TryAddSingleton<IResultEvents>(sp => sp.GetRequiredService<GalleryWriter>());
        services.AddHostedService<GalleryProjectionService>();
        services.AddHostedService<JobWorkerService>();
        services.AddHostedService<WorkerHealthEndpoint>();
        return services;
    }
}
