namespace FeatureInversion.Tests;

/// <summary>
/// Test tiers, as xUnit traits (<c>[Trait("Tier", Tiers.X)]</c>). Tests without one are the fast unit tier: no
/// libvl, Azurite, Chromium, and none of the project's programs run as a child process. README shows how to run each
/// tier; CI runs them all.
/// </summary>
public static class Tiers
{
    public const string Name = "Tier";

    /// <summary>Compare with VLFeat 0.9.21 through libvl (the extractors' oracle).</summary>
    public const string Oracle = "oracle";

    /// <summary>Run against a real Azurite (started by the fixture).</summary>
    public const string Azurite = "azurite";

    /// <summary>Drive headless Chromium.</summary>
    public const string Browser = "browser";

    /// <summary>Fault injection and measurement in child processes: hostile inputs under memory bounds, killed
    /// workers, kernels under each oneDNN ISA level.</summary>
    public const string Fault = "fault";

    /// <summary>Real trainings and long loops (each class several seconds or more).</summary>
    public const string Slow = "slow";
}
