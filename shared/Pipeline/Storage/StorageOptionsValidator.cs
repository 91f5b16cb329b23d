using Microsoft.Extensions.Options;

namespace FeatureInversion.Pipeline.Storage;

/// <summary>Checks at host start what data annotations cannot: the storage kind exists and has the settings it
/// needs.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options) =>
        !BlobStoreKinds.All.TryGetValue(options.Storage ?? "", out var kind)
            ? ValidateOptionsResult.Fail(
                $"Storage '{options.Storage}' is not a storage kind ({string.Join(", ", BlobStoreKinds.All.Keys)})."
            )
        : kind.Check(options) is { } error ? ValidateOptionsResult.Fail(error)
        : ValidateOptionsResult.Success;
}
