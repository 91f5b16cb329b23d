using FeatureInversion.Decoders.Inference;
using FeatureInversion.Features;
using FeatureInversion.Onnx;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static TorchSharp.torch;

namespace FeatureInversion.Reconstruction;

/// <summary>The device the worker decodes on, from <see cref="PipelineOptions.Device"/>.</summary>
public sealed record WorkerDevice(Device Device)
{
    public static WorkerDevice From(PipelineOptions options) =>
        new(TorchDevices.Resolve(Enum.Parse<DeviceChoice>(options.Device, ignoreCase: true)));
}

/// <summary>Registration of the decoder worker (the GPU container's process) on top of <c>AddPipelineCore</c>.</summary>
public static class ReconstructionServices
{
    /// <summary>
    /// Every representation this process can compute (hand-designed, ResNet18, and AlexNet when
    /// <c>FEATURE_INVERSION_ALEXNET</c> names a file), the job source, the decoder pool on the configured device,
    /// the job handler and the hosted worker loop; provisioning creates the results and models containers.
    /// </summary>
    public static IServiceCollection AddDecoderWorker(this IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton(_ => CnnRepresentations.All()));
        services.TryAddSingleton(sp =>
        {
            var source = sp.GetRequiredService<JobQueuePair>().Source;
            if (source is ServiceBusJobSource bus)
            {
                var logger = sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ServiceBusJobSource>>();
                bus.OnError = args => LogProcessorError(logger, args);
            }
            if (source is StorageQueueJobQueue storage)
            {
                var logger = sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<StorageQueueJobQueue>>();
                storage.OnError = (what, e) => Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(logger, e, "Storage queue error while {Operation}; going on", what);
            }
            return source;
        });
        services.TryAddSingleton(sp => sp.GetRequiredService<JobQueuePair>().DeadLetters);
        services.TryAddSingleton<DeadLetterRecorder>();
        services.TryAddSingleton(sp => WorkerDevice.From(sp.GetRequiredService<PipelineOptions>()));
        services.TryAddSingleton(sp => new DecoderPool(sp.GetRequiredService<ModelRegistry>(), sp.GetRequiredService<PipelineOptions>(),
            sp.GetRequiredService<RepresentationRegistry>(), sp.GetRequiredService<WorkerDevice>().Device));
        services.TryAddSingleton<ReconstructionWorker>();
        services.TryAddSingleton<WorkerHealth>();
        services.AddSingleton(new ContainerNeed(o => o.ResultsContainer));
        services.AddSingleton(new ContainerNeed(o => o.ModelsContainer));
        services.AddHostedService<JobWorkerService>();
        services.AddHostedService<WorkerHealthEndpoint>();
        return services;
    }

    /// <summary>A Service Bus processor error as a log entry: where it happened (entity, source) and the exception.</summary>
    public static void LogProcessorError(Microsoft.Extensions.Logging.ILogger logger, Azure.Messaging.ServiceBus.ProcessErrorEventArgs args) =>
        Microsoft.Extensions.Logging.LoggerExtensions.LogError(logger, args.Exception,
            "Service Bus processor error in {ErrorSource} on {Entity} ({Namespace})", args.ErrorSource, args.EntityPath, args.FullyQualifiedNamespace);
}
