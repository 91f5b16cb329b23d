using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Telemetry;
using FeatureInversion.Reconstruction;

// The decoder worker container: Pipeline__* settings (docs/pipeline.md); SIGTERM lets in-flight jobs finish.
// Pipeline__HealthPort (8080 in the image) serves /healthz/live and /healthz/ready for the container's probes.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddPipelineCore(builder.Configuration).AddDecoderWorker();
builder.Services.AddPipelineTelemetry(builder.Configuration, "feature-inversion-worker");
builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(30));
builder.Build().Run();
