using System.Diagnostics;
using static TorchSharp.torch;

namespace FeatureInversion.Training;

/// <summary>
/// The loop both trainers share: learning-rate schedule, one optimisation step per iteration, a smoothed loss,
/// throughput and periodic test error reported every ReportEvery steps (20 by default), periodic checkpoints, an
/// optional time limit (the steps done are returned). A non-finite loss or test reconstruction stops the run (<see
/// cref="NonFiniteTrainingException"/>) before anything is saved from it.
/// </summary>
internal static class TrainingLoop
{
    /// <summary>Runs steps <c>startStep</c>…<c>Steps</c>: <c>step</c> trains one batch (the optimiser's learning rate
    /// is already set) and returns its loss; <c>evaluate</c>, if given, returns the test error every EvaluateEvery
    /// steps.</summary>
    public static (double FinalLoss, int Steps, double Seconds) Run(
        optim.Optimizer optimizer,
        TrainingOptions options,
        int startStep,
        int batch,
        Func<double> step,
        Func<double>? evaluate,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancel,
        Action<TrainingCheckpoint>? checkpoint = null
    )
    {
        var clock = Stopwatch.StartNew();
        var window = Stopwatch.StartNew();
        int windowImages = 0;
        double emaLoss = double.NaN;
        int s = startStep;
        for (; s < options.Steps && !cancel.IsCancellationRequested; s++)
        {
            if (options.MaxSeconds > 0 && clock.Elapsed.TotalSeconds >= options.MaxSeconds && s > startStep)
                break;
            double lr = options.LearningRateAt(s);
            foreach (var group in optimizer.ParamGroups)
                group.LearningRate = lr;
            double value = step();
            if (!double.IsFinite(value))
                throw new NonFiniteTrainingException(s + 1, $"the loss is {value}");
            emaLoss = double.IsNaN(emaLoss) ? value : 0.98 * emaLoss + 0.02 * value;
            windowImages += batch;

            bool evaluateNow =
                evaluate is not null && options.EvaluateEvery > 0 && (s + 1) % options.EvaluateEvery == 0;
            if (progress is not null && ((s + 1) % options.ReportEvery == 0 || evaluateNow || s + 1 == options.Steps))
            {
                double? error = null;
                try
                {
                    if (evaluateNow)
                        error = evaluate!();
                }
                catch (Decoders.Inference.NonFiniteOutputException e)
                {
                    throw new NonFiniteTrainingException(
                        s + 1,
                        $"test reconstructions are not finite ({e.Items.Count} crops)"
                    );
                }
                progress.Report(
                    new TrainingProgress(
                        s + 1,
                        options.Steps,
                        emaLoss,
                        value,
                        windowImages / window.Elapsed.TotalSeconds,
                        lr,
                        error
                    )
                );
                window.Restart();
                windowImages = 0;
            }
            if (
                checkpoint is not null
                && options.CheckpointEvery > 0
                && (s + 1) % options.CheckpointEvery == 0
                && s + 1 < options.Steps
            )
                checkpoint(new TrainingCheckpoint(s + 1, emaLoss, clock.Elapsed.TotalSeconds));
        }
        return (emaLoss, s, clock.Elapsed.TotalSeconds);
    }
}

/// <summary>A periodic checkpoint's moment: steps done, smoothed loss, seconds so far.</summary>
public readonly record struct TrainingCheckpoint(int Steps, double Loss, double Seconds);
