using FeatureInversion.Decoders.Inference;

namespace FeatureInversion.Training;

public sealed record TrainingOptions
{
    public int Steps { get; init; } = 2000;
    public int BatchSize { get; init; } = 64;
    public double LearningRate { get; init; } = 1e-3;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Fraction of the steps after which the learning rate is halved every further tenth of the run.</summary>
    public double DecayFrom { get; init; } = 0.6;

    public int Seed { get; init; } = 1;

    /// <summary>Evaluate on the test set every this many steps (0: only at the end).</summary>
    public int EvaluateEvery { get; init; } = 500;

    /// <summary>Save a checkpoint (weights, manifest without evaluation) every this many steps (0: only at the end), so
    /// that a run stopped by a fault or a non-finite loss keeps its last finite state for <c>--resume</c>.</summary>
    public int CheckpointEvery { get; init; } = 500;

    /// <summary>Report progress (smoothed loss, this step's loss, throughput) every this many steps; 1 gives every
    /// step's loss, which a device-parity check compares.</summary>
    public int ReportEvery { get; init; } = 20;

    /// <summary>Stop after this many seconds of training (0: no limit) and finish as after the last step: evaluated
    /// and saved, the steps done recorded, so <c>--resume</c> continues. A lent machine's time is fixed; its rate is
    /// not known in advance.</summary>
    public double MaxSeconds { get; init; }

    /// <summary>On CUDA, whether float32 convolutions and products may run in TF32 (libtorch's default for cuDNN);
    /// off for a parity check against the CPU.</summary>
    public bool AllowTf32 { get; init; } = true;

    /// <summary>Where the networks, batches and optimiser state live (auto: CUDA when libtorch sees a GPU).</summary>
    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    public void Validate()
    {
        if (Steps <= 0 || BatchSize <= 0 || LearningRate <= 0 || DecayFrom is < 0 or > 1)
            throw new ArgumentException("Steps, batch size and learning rate must be positive, DecayFrom in [0, 1].");
        if (CheckpointEvery < 0 || EvaluateEvery < 0)
            throw new ArgumentException("Checkpoint and evaluation intervals must be 0 (only at the end) or positive.");
        if (ReportEvery <= 0)
            throw new ArgumentException("The progress interval must be positive.");
        if (!double.IsFinite(MaxSeconds) || MaxSeconds < 0)
            throw new ArgumentException("The time limit must be 0 (none) or a positive number of seconds.");
    }

    /// <summary>Learning rate at a step: constant, then halved at DecayFrom and after every further 10% of the
    /// run.</summary>
    public double LearningRateAt(int step)
    {
        double start = DecayFrom * Steps;
        if (step < start)
            return LearningRate;
        int halvings = 1 + (int)((step - start) / (0.1 * Steps));
        return LearningRate * Math.Pow(0.5, halvings);
    }
}

public readonly record struct TrainingProgress(
    int Step,
    int Steps,
    double Loss,
    double StepLoss,
    double ImagesPerSecond,
    double LearningRate,
    double? TestError
);
