using FeatureInversion.Pipeline;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.Services.AddFeatureInversionPipeline(builder.Configuration);
builder.Build().Run();
