using FeatureInversion.Pipeline.Ingestion;
using Microsoft.Azure.Functions.Worker;

namespace FeatureInversion.Functions;

/// <summary>
/// Consumes the blob trigger's poison queue on the data account (the <c>PipelineStorage</c> connection, as the blob
/// trigger's own): each parked upload gets a failed record, so the results API and gallery say it failed instead of
/// showing it pending. A message it cannot record goes, after 5 attempts, to <c>webjobs-blobtrigger-poison-poison</c>
/// (pre-created by <c>infra/modules/storage.bicep</c>).
/// </summary>
public sealed class TriggerPoisonFunction(TriggerPoisonRecorder recorder)
{
    [Function("TriggerPoison")]
    public Task RunAsync(
        [QueueTrigger(TriggerPoisonRecorder.QueueName, Connection = "PipelineStorage")] string message,
        CancellationToken ct
    ) => recorder.RecordAsync(message, ct);
}
