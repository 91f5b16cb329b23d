using FeatureInversion.Decoders.Platform;
using FeatureInversion.Onnx;
using FeatureInversion.Pipeline.Hosting;
using FeatureInversion.Pipeline.Telemetry;
using FeatureInversion.Reconstruction;

// The decoder worker container: Pipeline__* settings (docs/pipeline.md); SIGTERM lets in-flight jobs finish.
// Pipeline__HealthPort (8080 in the image) serves /healthz/live and /healthz/ready for the container's probes.
// FEATURE_INVERSION_ALEXNET names an AlexNet/CaffeNet ONNX file whose layers the worker then decodes too;
// FEATURE_INVERSION_RESNET18 a folder with the ResNet18 files, when not the packaged ones.
var builder = Host.CreateApplicationBuilder(args);
TorchKernels.Request(builder.Configuration[TorchKernels.OverrideVariable]);
var representations = CnnRepresentations.All(
    builder.Configuration[CnnRepresentations.AlexNetVariable],
    builder.Configuration[ResNet18Files.FolderVariable]
);
builder.Services.AddPipelineCore(builder.Configuration).AddDecoderWorker(representations);
builder.Services.AddPipelineTelemetry(builder.Configuration, "feature-inversion-worker");
builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(30));
using var host = builder.Build();
host.Services.ValidatePipelineSettings();

// Resolved before Run, which disposes the host (and its services) when it returns.
var health = host.Services.GetRequiredService<WorkerHealth>();
host.Run();

// A consumer loop that ended before shutdown stopped the host: exit non-zero so that the replica is restarted.
return health.Current == WorkerHealth.State.Failed ? 1 : 0;
