using FeatureInversion.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FeatureInversion.Trainer.Verbs;

/// <summary>The pipeline's core services configured from <c>Pipeline__*</c> environment variables, for the verbs that
/// talk to the deployed storage (<c>publish</c>, <c>retrain</c>); options are validated on first use.</summary>
internal static class PipelineHost
{
    public static ServiceProvider Build() => new ServiceCollection()
        .AddLogging()
        .AddPipelineCore(new ConfigurationBuilder().AddEnvironmentVariables().Build())
        .BuildServiceProvider();
}
