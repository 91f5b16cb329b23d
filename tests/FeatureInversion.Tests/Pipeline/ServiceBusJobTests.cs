using Azure.Messaging.ServiceBus;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Queues;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>Service Bus settlement logic, driven with <see cref="ServiceBusModelFactory"/> messages and a recording
/// receiver.</summary>
public class ServiceBusJobTests
{
    private sealed class RecordingReceiver : ServiceBusReceiver
    {
        public List<string> Calls { get; } = [];

        public override Task CompleteMessageAsync(
            ServiceBusReceivedMessage message,
            CancellationToken cancellationToken = default
        )
        {
            Calls.Add("complete");
            return Task.CompletedTask;
        }

        public override Task AbandonMessageAsync(
            ServiceBusReceivedMessage message,
            IDictionary<string, object>? propertiesToModify = null,
            CancellationToken cancellationToken = default
        )
        {
            Calls.Add($"abandon:{propertiesToModify?["lastError"]}");
            return Task.CompletedTask;
        }

        public override Task DeadLetterMessageAsync(
            ServiceBusReceivedMessage message,
            string deadLetterReason,
            string? deadLetterErrorDescription = null,
            CancellationToken cancellationToken = default
        )
        {
            Calls.Add($"deadletter:{deadLetterReason}:{deadLetterErrorDescription}");
            return Task.CompletedTask;
        }
    }

    private sealed class FixedHandler(Func<string, int, JobOutcome> outcome) : IJobHandler
    {
        public (string Body, int Count)? Seen { get; private set; }

        public Task<JobOutcome> HandleAsync(string body, int deliveryCount, CancellationToken ct)
        {
            Seen = (body, deliveryCount);
            return Task.FromResult(outcome(body, deliveryCount));
        }
    }

    private static ReconstructionJob Job() =>
        new()
        {
            JobId = "0123456789abcdef0123456789abcdef-hog-64px-w0.25-20261124T000000Z",
            ImageBlob = "batch/a.jpg",
            ImageId = "0123456789abcdef0123456789abcdef",
            Batch = "batch",
            Representation = "hog",
            DecoderVersion = "hog-64px-w0.25-20261124T000000Z",
            FeaturesBlob = "0123456789abcdef0123456789abcdef/hog-64px.npy",
        };

    private static async Task<(RecordingReceiver Receiver, FixedHandler Handler)> DispatchAsync(
        JobOutcome outcome,
        int deliveryCount = 1,
        string? body = null,
        CancellationToken ct = default
    )
    {
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(
            BinaryData.FromString(body ?? Job().ToJson()),
            messageId: Job().JobId,
            deliveryCount: deliveryCount
        );
        var receiver = new RecordingReceiver();
        var handler = new FixedHandler((_, _) => outcome);
        await ServiceBusJobSource.DispatchAsync(new ProcessMessageEventArgs(message, receiver, ct), handler);
        return (receiver, handler);
    }

    [Fact]
    public async Task CompletesAfterTheHandlerSucceeds()
    {
        var (receiver, handler) = await DispatchAsync(JobOutcome.Completed, deliveryCount: 3);
        Assert.Equal(["complete"], receiver.Calls);
        Assert.Equal(3, handler.Seen!.Value.Count);
        Assert.Equal(Job(), ReconstructionJob.Parse(handler.Seen.Value.Body));
    }

    [Fact]
    public async Task AbandonsForARetryWithTheErrorAndDeadLettersWithTheReason()
    {
        Assert.Equal(["abandon:decoder busy"], (await DispatchAsync(JobOutcome.Retry("decoder busy"))).Receiver.Calls);
        Assert.Equal(
            ["deadletter:ReconstructionFailed:features are corrupt"],
            (await DispatchAsync(JobOutcome.DeadLetter("features are corrupt"))).Receiver.Calls
        );
    }

    [Fact]
    public async Task AHandlerExceptionAbandonsButAStoppingProcessorLeavesTheLockToExpire()
    {
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(
            BinaryData.FromString(Job().ToJson()),
            deliveryCount: 1
        );
        var receiver = new RecordingReceiver();
        var throwing = new ThrowingHandler();
        await ServiceBusJobSource.DispatchAsync(
            new ProcessMessageEventArgs(message, receiver, CancellationToken.None),
            throwing
        );
        Assert.Equal(["abandon:boom"], receiver.Calls);

        using var stopped = new CancellationTokenSource();
        stopped.Cancel();
        var receiver2 = new RecordingReceiver();
        await ServiceBusJobSource.DispatchAsync(
            new ProcessMessageEventArgs(message, receiver2, stopped.Token),
            throwing
        );
        Assert.Empty(receiver2.Calls);
    }

    private sealed class ThrowingHandler : IJobHandler
    {
        public Task<JobOutcome> HandleAsync(string body, int deliveryCount, CancellationToken ct) =>
            ct.IsCancellationRequested
                ? throw new OperationCanceledException(ct)
                : throw new InvalidOperationException("boom");
    }

    [Fact]
    public void MessagesCarryReferencesWithTheJobIdAsMessageIdForDuplicateDetection()
    {
        var message = ServiceBusJobQueue.ToMessage(Job());
        Assert.Equal(Job().JobId, message.MessageId);
        Assert.Equal("application/json", message.ContentType);
        Assert.True(
            message.Body.ToArray().Length < 2048,
            "a job message is a few hundred bytes, far below the 256 KB limit"
        );
        Assert.Equal(Job(), ReconstructionJob.Parse(message.Body.ToString()));
    }

    [Fact]
    public void ProcessorSettlesExplicitlyAndRenewsLocks()
    {
        var options = ServiceBusJobSource.DefaultOptions(8, TimeSpan.FromMinutes(30));
        Assert.False(options.AutoCompleteMessages);
        Assert.Equal(ServiceBusReceiveMode.PeekLock, options.ReceiveMode);
        Assert.Equal(TimeSpan.FromMinutes(30), options.MaxAutoLockRenewalDuration);
        Assert.Equal(8, options.MaxConcurrentCalls);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"jobId\":\"x\"}")]
    [InlineData("{}")]
    public void MalformedJobMessagesAreRejectedWithAReason(string body)
    {
        var e = Assert.Throws<InvalidJobException>(() => ReconstructionJob.Parse(body));
        Assert.Contains("job message", e.Message);
    }
}
