using FeatureInversion.Pipeline.Hosting;
using FeatureInversion.Pipeline.Telemetry;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Hosting;

// The function app runs ingestion (blob trigger) and the results API; decoders run in the worker container.
var builder = FunctionsApplication.CreateBuilder(args);
builder.Services.AddPipelineCore(builder.Configuration).AddIngestion().AddResultsApi();

// OpenTelemetry with the Functions worker's own spans (host.json: telemetryMode OpenTelemetry), exported to
// Application Insights when APPLICATIONINSIGHTS_CONNECTION_STRING is set.
builder
    .Services.AddPipelineTelemetry(builder.Configuration, "feature-inversion-functions")
    .UseFunctionsWorkerDefaults();
var app = builder.Build();
app.Services.ValidatePipelineSettings();
app.Run();
