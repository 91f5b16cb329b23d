using FeatureInversion.Features;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Options;

namespace FeatureInversion.Pipeline.Hosting;

/// <summary>
/// Checks what data annotations cannot, at host start: the storage and queue kinds exist and have the settings they
/// need, and every configured representation is offered by this host's <see cref="RepresentationRegistry"/> — so a
/// function app (hand-designed representations only, no libtorch) configured for a CNN layer fails at start with
/// the reason instead of on the first upload.
/// </summary>
public sealed class PipelineOptionsValidator(RepresentationRegistry representations) : IValidateOptions<PipelineOptions>
{
    public ValidateOptionsResult Validate(string? name, PipelineOptions o)
    {
        var errors = new List<string>();
        if (!BlobStoreKinds.All.TryGetValue(o.Storage ?? "", out var store))
            errors.Add($"Storage '{o.Storage}' is not a storage kind ({string.Join(", ", BlobStoreKinds.All.Keys)}).");
        else if (store.Check(o) is { } storeError)
            errors.Add(storeError);
        if (!JobQueueKinds.All.TryGetValue(o.Queue ?? "", out var queue))
            errors.Add($"Queue '{o.Queue}' is not a queue kind ({string.Join(", ", JobQueueKinds.All.Keys)}).");
        else if (queue.Check(o) is { } queueError)
            errors.Add(queueError);
        foreach (var rep in o.Representations ?? [])
        {
            if (!representations.TryGet(rep, out _))
                errors.Add(
                    $"Representation '{rep}' is not offered by this host (it offers "
                        + $"{string.Join(", ", representations.Names)}; CNN layers need a host with TorchSharp)."
                );
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
