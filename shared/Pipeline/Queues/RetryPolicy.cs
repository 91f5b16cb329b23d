namespace FeatureInversion.Pipeline.Queues;

/// <summary>How long a failed delivery waits before the next: doubling from <see cref="First"/> up to <see cref="Max"/>.</summary>
public sealed record RetryPolicy(TimeSpan First, TimeSpan Max)
{
    public static RetryPolicy From(PipelineOptions options) =>
        new(TimeSpan.FromMilliseconds(options.RetryDelayMilliseconds), TimeSpan.FromSeconds(options.MaxRetryDelaySeconds));

    /// <summary>The wait after delivery number <paramref name="deliveryCount"/> failed (1 → First, 2 → 2 × First, …).</summary>
    public TimeSpan Delay(int deliveryCount)
    {
        double ms = First.TotalMilliseconds * Math.Pow(2, Math.Clamp(deliveryCount - 1, 0, 30));
        return TimeSpan.FromMilliseconds(Math.Min(ms, Max.TotalMilliseconds));
    }
}
