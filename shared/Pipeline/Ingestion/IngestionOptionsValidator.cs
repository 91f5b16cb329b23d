using FeatureInversion.Features;
using Microsoft.Extensions.Options;

namespace FeatureInversion.Pipeline.Ingestion;

/// <summary>
/// Checks at host start that every configured representation is offered by this host's
/// <see cref="RepresentationRegistry"/>: a function app (hand-designed representations only, no libtorch) configured
/// for a CNN layer fails at start with the reason instead of on the first upload.
/// </summary>
public sealed class IngestionOptionsValidator(RepresentationRegistry representations)
    : IValidateOptions<IngestionOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestionOptions options)
    {
        var errors = (options.Representations ?? [])
            .Where(rep => !representations.TryGet(rep, out _))
            .Select(rep =>
                $"Representation '{rep}' is not offered by this host (it offers "
                + $"{string.Join(", ", representations.Names)}; CNN layers need a host with TorchSharp)."
            )
            .ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
