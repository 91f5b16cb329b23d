using FeatureInversion.Pipeline;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The function app runs ingestion (blob trigger) and the results API; decoders run in the worker container.
var builder = FunctionsApplication.CreateBuilder(args);
builder.Services.AddPipelineCore(builder.Configuration).AddIngestion().AddResultsApi();
builder.Build().Run();
