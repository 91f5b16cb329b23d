using System.CommandLine;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FeatureInversion.Trainer.Verbs;

/// <summary><c>publish</c>: decoder checkpoints into the configured models container; workers take the newest.</summary>
internal sealed class PublishVerb : IVerb
{
    private readonly Argument<DirectoryInfo[]> _checkpoints = new("checkpoints") { Description = "Checkpoint folders", Arity = ArgumentArity.OneOrMore };

    public PublishVerb()
    {
        Command = new Command("publish", "Publishes decoder checkpoints to the configured models container (Pipeline__* settings); workers use the newest.") { _checkpoints };
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        await using var services = PipelineHost.Build();
        var options = services.GetRequiredService<PipelineOptions>();
        await services.GetRequiredService<IBlobStore>().EnsureContainersAsync([options.ModelsContainer], ct);
        var registry = services.GetRequiredService<ModelRegistry>();
        foreach (var dir in parse.GetValue(_checkpoints)!)
        {
            var manifest = await registry.PublishAsync(CommonOptions.ExistingFolder(dir).FullName, ct);
            parse.InvocationConfiguration.Output.WriteLine($"published {manifest.Representation}/{manifest.Version}; newest is now {await registry.NewestVersionAsync(manifest.Representation, ct)}");
        }
        return 0;
    }
}
