namespace FeatureInversion.Training;

/// <summary>
/// Training met a non-finite loss, weights or test reconstruction and stopped: nothing after <see cref="Step"/> is
/// saved, and the last finite checkpoint (if any) stays in the output folder for <c>--resume</c>.
/// </summary>
public sealed class NonFiniteTrainingException(int step, string reason, string? message = null)
    : Exception(message ?? $"training stopped at step {step}: {reason}")
{
    public int Step { get; } = step;
    public string Reason { get; } = reason;
}
