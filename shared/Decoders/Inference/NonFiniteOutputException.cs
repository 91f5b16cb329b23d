using FeatureInversion.Decoders.Platform;

namespace FeatureInversion.Decoders.Inference;

/// <summary>A decoder produced NaN or infinite values: a failure, never a result (docs/platform.md).</summary>
public sealed class NonFiniteOutputException(string message) : Exception(message)
{
    /// <summary>Items whose output was not finite (indices into the decoded list).</summary>
    public IReadOnlyList<int> Items { get; init; } = [];

    /// <summary>The items, or this exception when any of them is null (non-finite).</summary>
    public static List<T> ThrowIfAny<T>(List<T?> items)
        where T : class
    {
        var bad = Enumerable.Range(0, items.Count).Where(i => items[i] is null).ToList();
        if (bad.Count > 0)
            throw For(bad, items.Count);
        return items!;
    }

    public static NonFiniteOutputException For(IReadOnlyList<int> bad, int count) =>
        new(
            $"the decoder's output is not finite (NaN or infinite) for {bad.Count} of {count} item(s) (first: "
                + $"{string.Join(", ", bad.Take(8))}); kernels: {TorchKernels.Current}"
        )
        {
            Items = bad,
        };
}
