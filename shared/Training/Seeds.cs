namespace FeatureInversion.Training;

/// <summary>
/// The fixed seeds of the project, in one place. Changing one changes every measured figure that depends on it,
/// so they are constants, not options.
/// </summary>
public static class Seeds
{
    /// <summary>Seed of the test crops (per photo: the centred square, then seeded random crops). Every evaluation of
    /// every decoder uses the same crops, so errors are comparable across runs, representations and sessions.</summary>
    public const int EvaluationCrops = 12345;

    /// <summary>Multiplier that derives the batch-sampling generator's seed from the run's seed
    /// (<c>seed × 7919 + start step</c>, a prime, so runs with nearby seeds draw unrelated batches).</summary>
    public const int BatchSampling = 7919;
}
