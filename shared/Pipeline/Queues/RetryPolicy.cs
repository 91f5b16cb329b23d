using Polly;
using Polly.Retry;

namespace FeatureInversion.Pipeline.Queues;

/// <summary>
/// The pipeline's one retry policy: how long a failed attempt waits before the next, doubling from
/// <see cref="First"/> up to <see cref="Max"/> (<see cref="QueueOptions.RetryDelayMilliseconds"/>,
/// <see cref="QueueOptions.MaxRetryDelaySeconds"/>). The queues wait <see cref="Delay"/> before redelivering a job;
/// code that retries a call in place (the local mode's blob-trigger shim, as the Functions host retries a failing
/// trigger) takes <see cref="Retrying"/>, a Polly pipeline with the same delays.
/// </summary>
public sealed record RetryPolicy(TimeSpan First, TimeSpan Max)
{
    public static RetryPolicy From(QueueOptions queue) =>
        new(TimeSpan.FromMilliseconds(queue.RetryDelayMilliseconds), TimeSpan.FromSeconds(queue.MaxRetryDelaySeconds));

    /// <summary>The wait after delivery number <paramref name="deliveryCount"/> failed (1 → First, 2 → 2 × First,
    /// …).</summary>
    public TimeSpan Delay(int deliveryCount)
    {
        double ms = First.TotalMilliseconds * Math.Pow(2, Math.Clamp(deliveryCount - 1, 0, 30));
        return TimeSpan.FromMilliseconds(Math.Min(ms, Max.TotalMilliseconds));
    }

    /// <summary>
    /// Runs a call up to <paramref name="attempts"/> times while it throws an exception <paramref name="handles"/>
    /// accepts (never once the caller's token is cancelled), waiting <see cref="Delay"/> between attempts;
    /// <paramref name="onFailure"/> sees each failed attempt that is retried (1-based); the last failure is thrown.
    /// </summary>
    public ResiliencePipeline Retrying(
        int attempts,
        Func<Exception, bool> handles,
        Action<Exception, int>? onFailure = null
    )
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        var builder = new ResiliencePipelineBuilder();
        if (attempts > 1)
        {
            builder.AddRetry(
                new RetryStrategyOptions
                {
                    MaxRetryAttempts = attempts - 1,
                    ShouldHandle = args =>
                        ValueTask.FromResult(
                            args.Outcome.Exception is { } e
                                && !args.Context.CancellationToken.IsCancellationRequested
                                && handles(e)
                        ),
                    // Polly counts retries from 0; the first retry follows the first failed attempt.
                    DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Delay(args.AttemptNumber + 1)),
                    OnRetry = args =>
                    {
                        onFailure?.Invoke(args.Outcome.Exception!, args.AttemptNumber + 1);
                        return ValueTask.CompletedTask;
                    },
                }
            );
        }
        return builder.Build();
    }
}
