namespace FeatureInversion.Training;

/// <summary>The kernels a host forced disagree with the reference on this CPU (a failure of the computation, not of the
/// input: the CLI exits 1 with the message).</summary>
public sealed class KernelMismatchException(string message) : InvalidOperationException(message);
