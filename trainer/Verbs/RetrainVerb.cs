using System.CommandLine;
using FeatureInversion.Pipeline.Publishing;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FeatureInversion.Trainer.Verbs;

/// <summary>
/// <c>retrain</c>, the scheduled training job: downloads <c>train/</c> and <c>test/</c> from the training container,
/// trains with the same options as <c>train</c>, evaluates and publishes the new decoder version.
/// </summary>
internal sealed class RetrainVerb : IVerb
{
    private readonly TrainingOptionSet _training = new();

    public RetrainVerb()
    {
        Command = new Command(
            "retrain",
            "The scheduled training job: downloads train/ and test/ from the training container, trains, evaluates "
                + "and publishes the new decoder version."
        );
        _training.AddTo(Command);
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        await using var services = PipelineHost.Build("retrain");
        // One span for the scheduled run (its Azure SDK calls nest under it in Application Insights).
        using var activity = FeatureInversion.Pipeline.Telemetry.PipelineTelemetry.Source.StartActivity("retrain");
        activity?.SetTag("representation", parse.GetValue(_training.Representation));
        var storage = services.GetRequiredService<StorageOptions>();
        var store = services.GetRequiredService<IBlobStore>();
        var stdout = parse.InvocationConfiguration.Output;
        string work = Path.Combine(Path.GetTempPath(), $"retrain-{Guid.NewGuid():N}");
        try
        {
            var photos = new TrainingPhotos(store, storage);
            var listing = await photos.ListAsync(ct);
            var counts = await ConsoleProgress.RunAsync(
                parse.InvocationConfiguration.Error,
                parse.GetValue(_training.Quiet),
                "downloading photos",
                listing.Values.Sum(names => names.Count),
                progress => photos.DownloadAsync(work, listing, progress, ct)
            );
            foreach (var (split, count) in counts)
                stdout.WriteLine($"{count} {split} photos from '{storage.TrainingContainer}'");
            string output = Path.Combine(work, "out");
            _training.Run(parse, Path.Combine(work, "train"), Path.Combine(work, "test"), output);
            await store.EnsureContainersAsync([storage.ModelsContainer], ct);
            var result = await services.GetRequiredService<ModelRegistry>().PublishAsync(output, ct: ct);
            stdout.WriteLine(
                $"published {result.Manifest.Representation}/{result.Manifest.Version}; "
                    + $"{(result.Promoted ? "promoted to latest" : "not promoted")} ({result.Reason})"
            );
            return 0;
        }
        finally
        {
            if (Directory.Exists(work))
                Directory.Delete(work, recursive: true);
        }
    }
}
