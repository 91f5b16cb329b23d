using FeatureInversion.Pipeline.Hosting;
using FeatureInversion.Pipeline.Telemetry;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

// The function app runs ingestion (blob trigger) and the results API; decoders run in the worker container.
var builder = FunctionsApplication.CreateBuilder(args);
builder.Services.AddPipelineCore(builder.Configuration).AddIngestion().AddResultsApi();

// OpenTelemetry with the Functions worker's own spans (host.json: telemetryMode OpenTelemetry), exported to
// Application Insights when APPLICATIONINSIGHTS_CONNECTION_STRING is set.
builder
    .Services.AddPipelineTelemetry(builder.Configuration, "feature-inversion-functions")
    .UseFunctionsWorkerDefaults();
var app = builder.Build();

// Every concern's settings checked at once, with every reason (the host builds its services before it validates).
app.Services.GetService<IStartupValidator>()?.Validate();
app.Run();
