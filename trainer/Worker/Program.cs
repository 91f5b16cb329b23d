using FeatureInversion.Pipeline;
using FeatureInversion.Reconstruction;

// The decoder worker container: Pipeline__* settings (docs/pipeline.md); SIGTERM lets in-flight jobs finish.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddPipelineCore(builder.Configuration).AddDecoderWorker();
builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(30));
builder.Build().Run();
