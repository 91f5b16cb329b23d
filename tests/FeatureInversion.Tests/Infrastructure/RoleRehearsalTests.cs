using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Ingestion;
using FeatureInversion.Pipeline.Publishing;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;
using FeatureInversion.Tests.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace FeatureInversion.Tests.Infrastructure;

/// <summary>
/// A rehearsal of the deployment's data roles without Azure (issue 24): each host runs on Azurite with only the
/// container rows main.bicep's role table gives its identity, each as a container SAS carrying that role's
/// permissions (Azurite enforces SAS permissions; it has no Entra ID roles). A container without a row gets a SAS
/// signed for another container, so Azurite answers 403 as Azure does to an identity without a role there. Each host
/// must do its work with its rows, and fail, naming the 403, without any single one of them: a row no code needs, or
/// a code path the table misses, fails the test. Not rehearsed here: Service Bus (no emulator), the user delegation
/// key (Azurite needs OAuth for it), the registry and Application Insights.
/// </summary>
[Trait(Tiers.Name, Tiers.Azurite)]
[Collection(AzuriteCollection.Name)]
public class RoleRehearsalTests(AzuriteFixture azurite)
{
    private const string Photo = "camera-256x256.jpg";
    private const string Upload = "rehearsal/" + Photo;

    // A leaked HOG map of the photo, uploaded beside it: its job scores against the original in images.
    private const string FeatureFile = "rehearsal/camera-256x256.npy";

    [Fact]
    public Task TheFunctionAppIngestsWithItsRolesAndFailsWithoutAnyOne() =>
        RehearseAsync("functions", FunctionsWorkAsync);

    [Fact]
    public Task TheWorkerReconstructsWithItsRolesAndFailsWithoutAnyOne() => RehearseAsync("worker", WorkerWorkAsync);

    [Fact]
    public Task TheTrainerDownloadsAndPublishesWithItsRolesAndFailsWithoutAnyOne() =>
        RehearseAsync("trainer", TrainerWorkAsync);

    private async Task RehearseAsync(string identity, Func<Deployment, IBlobStore, Task> work)
    {
        var rows = RoleTable.FromBicep().Where(r => r.Identity == identity && r.Scope == "container").ToList();
        Assert.NotEmpty(rows);

        var granted = await Deployment.StartAsync(azurite);
        await work(granted, granted.StoreFor(rows));

        foreach (var removed in rows)
        {
            var deployment = await Deployment.StartAsync(azurite);
            var error = await Record.ExceptionAsync(() =>
                work(deployment, deployment.StoreFor(rows.Except([removed])))
            );
            Assert.True(error is not null, $"{identity} did its work without the row '{removed}': no code needs it");
            Assert.True(
                error is RequestFailedException { Status: 403 }
                    || error.Message.Contains("403", StringComparison.Ordinal),
                $"without '{removed}' {identity} failed, but not for want of the role: {error}"
            );
        }
    }

    /// <summary>The blob trigger's read of the upload, ingestion, the results API's read and the poison consumer's
    /// record.</summary>
    private static async Task FunctionsWorkAsync(Deployment d, IBlobStore store)
    {
        var content = await store.TryReadAsync(d.Settings.Storage.ImagesContainer, Upload)
            ?? throw new InvalidOperationException("the upload is missing");
        var queue = new CapturingQueue();
        await using var bed = new PipelineTestbed(store, queue, new InProcessJobQueue(), d.Settings);
        bed.Settings.Ingestion.Representations = ["hog"];
        var accepted = Assert.IsType<AcceptedUpload>(await bed.Ingestion.IngestAsync(Upload, content));
        Assert.Single(queue.Bodies);
        Assert.Equal(JobStatus.Pending, (await bed.Results.GetAsync(accepted.ImageBlob))!.Status);
        var poison = new TriggerPoisonRecorder(store, d.Settings.Storage, NullLogger<TriggerPoisonRecorder>.Instance);
        await poison.RecordAsync(
            $$"""{"ContainerName":"{{d.Settings.Storage.ImagesContainer}}","BlobName":"rehearsal/stuck.jpg"}"""
        );
    }

    /// <summary>The photo's job and the feature file's, queued by an ingestion with every right, handled by the
    /// worker.</summary>
    private static async Task WorkerWorkAsync(Deployment d, IBlobStore store)
    {
        var queue = new CapturingQueue();
        await using (var admin = new PipelineTestbed(d.Admin, queue, new InProcessJobQueue(), d.Settings))
        {
            admin.Settings.Ingestion.Representations = ["hog"];
            foreach (var upload in new[] { Upload, FeatureFile })
            {
                var content = (await d.Admin.TryReadAsync(d.Settings.Storage.ImagesContainer, upload))!;
                Assert.IsType<AcceptedUpload>(await admin.Ingestion.IngestAsync(upload, content));
            }
        }
        Assert.Equal(2, queue.Bodies.Count);
        await using var bed = new PipelineTestbed(store, new InProcessJobQueue(), new InProcessJobQueue(), d.Settings);
        foreach (var body in queue.Bodies)
        {
            var outcome = await bed.Worker.HandleAsync(body, 1, CancellationToken.None);
            if (outcome.Disposition != JobDisposition.Complete)
                throw new InvalidOperationException($"job {outcome.Disposition}: {outcome.Reason}");
        }
        // Read back with every right: the results API signs URLs with a delegation key the worker does not hold.
        var results = new FeatureInversion.Pipeline.Gallery.ResultsQuery(
            d.Admin,
            d.Settings.Storage,
            d.Settings.Gallery
        );
        Assert.Equal(JobStatus.Done, (await results.GetAsync(Upload))!.Status);
        Assert.Equal(JobStatus.Done, (await results.GetAsync(FeatureFile))!.Status);
        // both scored, the feature file against the original beside it
        var metrics = (await d.Admin.ListAsync(d.Settings.Storage.ResultsContainer, "rehearsal/"))
            .Where(n => n.EndsWith("Z.json", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(2, metrics.Count);
        foreach (var m in metrics)
            Assert.Contains(
                "\"errorRatio\"",
                System.Text.Encoding.UTF8.GetString(
                    (await d.Admin.TryReadAsync(d.Settings.Storage.ResultsContainer, m))!
                )
            );
    }

    /// <summary>What <c>retrain</c> does with storage: list and download both splits, then publish a version.</summary>
    private static async Task TrainerWorkAsync(Deployment d, IBlobStore store)
    {
        var shipped = FeatureInversion.Models.DecoderManifest.Read(PipelineTestbed.ShippedModel("hog"));
        string retrained = PipelineTestbed.Republished(
            PipelineTestbed.ShippedModel("hog"),
            shipped with
            {
                Version = "hog-64px-w0.25-29990101T000000Z",
                CreatedUtc = shipped.CreatedUtc.AddDays(1),
            }
        );
        string folder = Path.Combine(Path.GetTempPath(), "fi-rehearsal-" + Guid.NewGuid().ToString("N"));
        try
        {
            var photos = new TrainingPhotos(store, d.Settings.Storage);
            var counts = await photos.DownloadAsync(folder, await photos.ListAsync());
            Assert.Equal(1, counts["train"]);
            var registry = new ModelRegistry(store, d.Settings.Storage);
            Assert.True((await registry.PublishAsync(retrained)).Promoted);
        }
        finally
        {
            foreach (var dir in new[] { folder, retrained })
                if (Directory.Exists(dir))
                    Directory.Delete(dir, true);
        }
    }

    private sealed class CapturingQueue : IJobQueue
    {
        public List<string> Bodies { get; } = [];

        public Task EnqueueAsync(ReconstructionJob job, CancellationToken ct = default)
        {
            Bodies.Add(job.ToJson());
            return Task.CompletedTask;
        }
    }

    /// <summary>The deployment's part, with every right: containers (suffixed per run), the shipped HOG decoder seeded,
    /// an uploaded photo and a HOG map of it beside it, a training container with one photo per split.</summary>
    private sealed class Deployment
    {
        private readonly BlobServiceClient _account;
        private readonly Dictionary<string, string> _containers;

        private Deployment(AzuriteFixture azurite)
        {
            string suffix = Guid.NewGuid().ToString("N")[..8];
            _account = new BlobServiceClient(azurite.ConnectionString);
            Admin = new AzureBlobStore(_account);
            _containers = new[] { "images", "features", "results", "models", "training" }.ToDictionary(
                c => c,
                c => c + suffix
            );
            Settings = new PipelineSettings
            {
                Storage = new()
                {
                    ImagesContainer = _containers["images"],
                    FeaturesContainer = _containers["features"],
                    ResultsContainer = _containers["results"],
                    ModelsContainer = _containers["models"],
                    TrainingContainer = _containers["training"],
                },
            };
        }

        public AzureBlobStore Admin { get; }
        public PipelineSettings Settings { get; }

        public static async Task<Deployment> StartAsync(AzuriteFixture azurite)
        {
            var d = new Deployment(azurite);
            await d.Admin.EnsureContainersAsync(d._containers.Values);
            await new ModelRegistry(d.Admin, d.Settings.Storage).PublishAsync(PipelineTestbed.ShippedModel("hog"));
            byte[] photo = File.ReadAllBytes(Path.Combine(TestData.PhotosDirectory, Photo));
            await d.Admin.WriteAsync(d._containers["images"], Upload, photo, ContentTypes.Binary, overwrite: true);
            byte[] map = FeatureMapUploadTests.WholeHogMap(Photo).Npy;
            await d.Admin.WriteAsync(d._containers["images"], FeatureFile, map, ContentTypes.Binary, overwrite: true);
            foreach (var split in TrainingPhotos.Splits)
                await d.Admin.WriteAsync(
                    d._containers["training"],
                    $"{split}/{Photo}",
                    photo,
                    ContentTypes.Binary,
                    overwrite: true
                );
            return d;
        }

        /// <summary>The store an identity with <paramref name="rows"/> sees: per container, a SAS with its role's
        /// permissions, or one signed for another container (403) where it has no row.</summary>
        public IBlobStore StoreFor(IEnumerable<RoleRow> rows)
        {
            var grants = rows.ToDictionary(r => _containers[r.Target], r => Permissions(r.Role));
            var stores = _containers.Values.ToDictionary(
                c => c,
                c =>
                {
                    string sas = grants.TryGetValue(c, out var granted)
                        ? Sas(c, granted)
                        : Sas("norole" + c, BlobContainerSasPermissions.Read);
                    return (IBlobStore)new AzureBlobStore(new BlobServiceClient(new Uri($"{_account.Uri}?{sas}")));
                }
            );
            return new ContainerRoutedStore(stores);
        }

        private static BlobContainerSasPermissions Permissions(string role) =>
            role switch
            {
                "blobReader" => BlobContainerSasPermissions.Read | BlobContainerSasPermissions.List,
                "blobContributor" => BlobContainerSasPermissions.Read
                    | BlobContainerSasPermissions.Add
                    | BlobContainerSasPermissions.Create
                    | BlobContainerSasPermissions.Write
                    | BlobContainerSasPermissions.Delete
                    | BlobContainerSasPermissions.List,
                "blobOwner" => BlobContainerSasPermissions.All,
                _ => throw new ArgumentException($"no SAS stands in for role '{role}'"),
            };

        private static string Sas(string container, BlobContainerSasPermissions permissions) =>
            new BlobSasBuilder(permissions, DateTimeOffset.UtcNow.AddHours(1))
            {
                BlobContainerName = container,
                Resource = "c",
            }
                .ToSasQueryParameters(new StorageSharedKeyCredential("devstoreaccount1", AzuriteFixture.AccountKey))
                .ToString();
    }

    /// <summary>Sends each call to the store of its container.</summary>
    private sealed class ContainerRoutedStore(IReadOnlyDictionary<string, IBlobStore> stores) : ForwardingBlobStore
    {
        protected override IBlobStore For(string container) =>
            stores.TryGetValue(container, out var s) ? s : throw new ArgumentException($"no container {container}");
    }
}
