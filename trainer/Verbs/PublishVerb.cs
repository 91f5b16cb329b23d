using System.CommandLine;
using FeatureInversion.Pipeline.Publishing;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FeatureInversion.Trainer.Verbs;

/// <summary><c>publish</c>: decoder checkpoints into the configured models container, through the quality gate; workers
/// take the latest.</summary>
internal sealed class PublishVerb : IVerb
{
    private readonly Argument<DirectoryInfo[]> _checkpoints = new("checkpoints")
    {
        Description = "Checkpoint folders",
        Arity = ArgumentArity.OneOrMore,
    };
    private readonly Option<bool> _force = new("--force")
    {
        Description = "Promote to latest even when the quality gate would not (worse, older or not comparable)",
    };

    public PublishVerb()
    {
        Command = new Command(
            "publish",
            "Publishes decoder checkpoints to the configured models container (Pipeline__* settings); a version "
                + "becomes latest only if no worse than the latest on the same test set."
        )
        {
            _checkpoints,
            _force,
        };
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        await using var services = PipelineHost.Build("publish");
        var storage = services.GetRequiredService<StorageOptions>();
        await services.GetRequiredService<IBlobStore>().EnsureContainersAsync([storage.ModelsContainer], ct);
        var registry = services.GetRequiredService<ModelRegistry>();
        foreach (var dir in parse.GetValue(_checkpoints)!)
        {
            var result = await registry.PublishAsync(
                CommonOptions.ExistingFolder(dir).FullName,
                parse.GetValue(_force),
                ct
            );
            var manifest = result.Manifest;
            parse.InvocationConfiguration.Output.WriteLine(
                $"published {manifest.Representation}/{manifest.Version}; "
                    + $"{(result.Promoted ? "promoted" : "not promoted")} ({result.Reason}); latest at "
                    + $"{manifest.ImageSize} px is "
                    + $"{await registry.NewestVersionAsync(manifest.Representation, manifest.ImageSize, ct)}"
            );
        }
        return 0;
    }
}
