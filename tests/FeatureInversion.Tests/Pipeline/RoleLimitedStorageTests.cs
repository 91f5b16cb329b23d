using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using FeatureInversion.Pipeline.Hosting;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>
/// Start-up with a credential that may not create containers, as Azure's container-scoped roles are (issue 24: the
/// worker, with Reader on <c>models</c>, answered 403 to CreateIfNotExists and crash-looped). Azurite enforces SAS
/// permissions, so an account SAS over objects only stands in for such a role.
/// </summary>
[Trait(Tiers.Name, Tiers.Azurite)]
[Collection(AzuriteCollection.Name)]
public class RoleLimitedStorageTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task AHostThatMayNotCreateContainersStartsAndStillWorksInThoseThatExist()
    {
        string suffix = Guid.NewGuid().ToString("N")[..8];
        var storage = new StorageOptions { ResultsContainer = "results" + suffix, ModelsContainer = "models" + suffix };
        var admin = new BlobServiceClient(azurite.ConnectionString);
        await admin.GetBlobContainerClient(storage.ResultsContainer).CreateIfNotExistsAsync(); // the deployment's part

        var sas = new AccountSasBuilder(
            AccountSasPermissions.Read | AccountSasPermissions.Write | AccountSasPermissions.List,
            DateTimeOffset.UtcNow.AddHours(1),
            AccountSasServices.Blobs,
            AccountSasResourceTypes.Object
        )
            .ToSasQueryParameters(new StorageSharedKeyCredential("devstoreaccount1", AzuriteFixture.AccountKey))
            .ToString();
        var limited = new AzureBlobStore(new BlobServiceClient(new Uri($"{admin.Uri}?{sas}")));

        var left = await limited.EnsureContainersAsync([storage.ResultsContainer, storage.ModelsContainer]);
        // 403 for both, the existing one included
        Assert.Equal([storage.ResultsContainer, storage.ModelsContainer], left);
        Assert.False((await admin.GetBlobContainerClient(storage.ModelsContainer).ExistsAsync()).Value);

        // The host's provisioning logs them and goes on; the identity still writes where its role lets it.
        var provisioning = new PipelineProvisioning(
            limited,
            Pair(new InProcessJobQueue()),
            [new ContainerNeed(o => o.ResultsContainer), new ContainerNeed(o => o.ModelsContainer)],
            storage,
            new QueueOptions(),
            [new LoggedSettings(storage)],
            NullLogger<PipelineProvisioning>.Instance
        );
        await provisioning.StartAsync(CancellationToken.None);
        Assert.True(
            await limited.WriteAsync(
                storage.ResultsContainer,
                "probe.txt",
                "ok"u8.ToArray(),
                "text/plain",
                overwrite: true
            )
        );
        Assert.Equal("ok"u8.ToArray(), await limited.TryReadAsync(storage.ResultsContainer, "probe.txt"));
    }

    private static JobQueuePair Pair(InProcessJobQueue queue) => new(queue, queue, queue);
}
