using Microsoft.Extensions.Options;

namespace FeatureInversion.Pipeline.Queues;

/// <summary>Checks at host start what data annotations cannot: the queue kind exists and has the settings it
/// needs.</summary>
public sealed class QueueOptionsValidator : IValidateOptions<QueueOptions>
{
    public ValidateOptionsResult Validate(string? name, QueueOptions options) =>
        !JobQueueKinds.All.TryGetValue(options.Queue ?? "", out var kind)
            ? ValidateOptionsResult.Fail(
                $"Queue '{options.Queue}' is not a queue kind ({string.Join(", ", JobQueueKinds.All.Keys)})."
            )
        : kind.Check(options) is { } error ? ValidateOptionsResult.Fail(error)
        : ValidateOptionsResult.Success;
}
