using System.Net;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using FeatureInversion.Functions;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>The pipeline against a real Azurite: blob storage plus the storage-queue job queue, driven through the
/// function classes.</summary>
[Trait(Tiers.Name, Tiers.Azurite)]
[Collection(AzuriteCollection.Name)]
public class AzuritePipelineTests(AzuriteFixture azurite)
{
    private (AzureBlobStore Store, StorageQueueJobQueue Queue, PipelineSettings Options) Services(TimeSpan visibility)
    {
        string suffix = Guid.NewGuid().ToString("N")[..8];
        var options = new PipelineSettings
        {
            Storage = new()
            {
                ImagesContainer = "images" + suffix,
                FeaturesContainer = "features" + suffix,
                ResultsContainer = "results" + suffix,
                ModelsContainer = "models" + suffix,
            },
            Queue = new() { QueueName = "jobs" + suffix },
            Worker = new() { BatchWindowMilliseconds = 5 },
        };
        var store = new AzureBlobStore(new BlobServiceClient(azurite.ConnectionString));
        var queues = new QueueServiceClient(
            azurite.ConnectionString,
            new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }
        );
        var queue = StorageQueueJobQueue.Create(queues, options.Queue.QueueName, visibility, options.Queue.BatchSize);
        return (store, queue, options);
    }

    [Fact]
    public async Task DroppedImagesGiveNTimesRResultsAndBadBlobsAClearErrorRecord()
    {
        var (store, queue, options) = Services(TimeSpan.FromMinutes(1));
        await queue.EnsureCreatedAsync();
        await using var bed = new PipelineTestbed(store, queue, queue, options);
        await bed.SetUpAsync("hog", "lbp", "sift-grid");
        var function = new ImageUploadedFunction(bed.Ingestion);

        string[] photos = ["astronaut-300x300.jpg", "camera-256x256.jpg"];
        var uploads = photos
            .Select(p => ($"drop/{p}", File.ReadAllBytes(Path.Combine(TestData.PhotosDirectory, p))))
            .ToList();
        byte[] jpeg = File.ReadAllBytes(Path.Combine(TestData.PhotosDirectory, "coffee-480x320.jpg"));
        uploads.Add(("drop/corrupt.jpg", jpeg[..2000]));
        uploads.Add(("drop/readme.md", File.ReadAllBytes(Path.Combine(TestData.PhotosDirectory, "README.md"))));
        foreach (var (name, bytes) in uploads)
        {
            await store.WriteAsync(options.Storage.ImagesContainer, name, bytes, ContentTypes.Binary, overwrite: true);
            // what the host calls on BlobCreated
            await function.RunAsync(new MemoryStream(bytes), name, CancellationToken.None);
        }

        var statuses = await bed.RunWorkerUntilSettledAsync(uploads.Select(u => u.Item1), TimeSpan.FromMinutes(2));
        var results = (await store.ListAsync(options.Storage.ResultsContainer, "drop/"))
            .Where(n => n.EndsWith("Z.json", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(photos.Length * 3, results.Count);
        Assert.Equal(JobStatus.Failed, statuses.Single(s => s.ImageBlob == "drop/corrupt.jpg").Status);
        Assert.Contains("readme.md", statuses.Single(s => s.ImageBlob == "drop/readme.md").Error);
        Assert.Equal(photos.Length, statuses.Count(s => s.Status == JobStatus.Done && s.Results.Count == 3));
        Assert.Equal(0, (await queue.Poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task AColmapDatabaseDroppedOnBlobStorageGivesOneResultPerImage()
    {
        var (store, queue, options) = Services(TimeSpan.FromMinutes(1));
        await queue.EnsureCreatedAsync();
        await using var bed = new PipelineTestbed(store, queue, queue, options);
        await bed.SetUpAsync("sift-grid");
        var function = new ImageUploadedFunction(bed.Ingestion);
        byte[] db = File.ReadAllBytes(
            Path.Combine(TestData.Root, "tests", "data", "fixtures", "descriptors", "colmap.db")
        ); // COLMAP 3.8, two photos
        await store.WriteAsync(
            options.Storage.ImagesContainer,
            "colmap/database.db",
            db,
            ContentTypes.Binary,
            overwrite: true
        );
        var record = Assert.IsType<ExpandedUpload>(
            await function.RunAsync(new MemoryStream(db), "colmap/database.db", CancellationToken.None)
        );

        var statuses = await bed.RunWorkerUntilSettledAsync(
            [.. record.Items, "colmap/database.db"],
            TimeSpan.FromMinutes(2)
        );
        Assert.All(statuses, s => Assert.Equal(JobStatus.Done, s.Status));
        var results = (await store.ListAsync(options.Storage.ResultsContainer, "colmap/"))
            .Where(n => n.EndsWith("Z.json", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(2, results.Count); // one per image of the database
    }

    [Fact]
    public async Task AWorkerStoppedMidJobLeavesTheMessageToBeRedeliveredAndOneResultIsWritten()
    {
        var (store, queue, options) = Services(TimeSpan.FromSeconds(2));
        await queue.EnsureCreatedAsync();
        await using var bed = new PipelineTestbed(store, queue, queue, options);
        await bed.SetUpAsync("hog");
        await bed.UploadPhotoAsync("crash", "rocket-427x285.jpg");

        var started = new TaskCompletionSource();
        using (var stop = new CancellationTokenSource())
        {
            var dying = queue.RunAsync(new HangingHandler(started), stop.Token);
            await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
            stop.Cancel(); // the container is killed with the message in hand: never completed
            await dying;
        }

        var status = Assert.Single(
            await bed.RunWorkerUntilSettledAsync(["crash/rocket-427x285.jpg"], TimeSpan.FromMinutes(1))
        );
        Assert.Equal(JobStatus.Done, status.Status);
        var names = await store.ListAsync(options.Storage.ResultsContainer, $"crash/{status.ImageId}/");
        var metricsName = Assert.Single(names, n => n.EndsWith("Z.json", StringComparison.Ordinal));
        Assert.Single(names, n => n.EndsWith("Z.png", StringComparison.Ordinal));
        var metrics = JsonSerializer.Deserialize<ResultMetrics>(
            (await store.TryReadAsync(options.Storage.ResultsContainer, metricsName))!,
            JsonSerializerOptions.Web
        )!;
        Assert.Equal(2, metrics.DeliveryCount);
        Assert.Equal(0, (await queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    private sealed class HangingHandler(TaskCompletionSource started) : IJobHandler
    {
        public async Task<JobOutcome> HandleAsync(string body, int deliveryCount, CancellationToken ct)
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return JobOutcome.Completed;
        }
    }

    [Fact]
    public async Task TheResultsFunctionHandsOutReadOnlySasUrlsThatExpire()
    {
        var (store, queue, options) = Services(TimeSpan.FromMinutes(1));
        options.Gallery.ResultUrlSeconds = 3;
        await queue.EnsureCreatedAsync();
        await using var bed = new PipelineTestbed(store, queue, queue, options);
        await bed.SetUpAsync("hog");
        await bed.UploadPhotoAsync("sas", "camera-256x256.jpg");
        await bed.RunWorkerUntilSettledAsync(["sas/camera-256x256.jpg"], TimeSpan.FromMinutes(1));
        var function = new ResultsFunction(bed.Results);

        var response = (FakeHttpResponse)
            await function.RunAsync(
                new FakeHttpRequest(new Uri("http://localhost/api/results?image=sas/camera-256x256.jpg")),
                CancellationToken.None
            );
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(response.BodyText());
        Assert.Equal("done", doc.RootElement.GetProperty("status").GetString());
        var result = doc.RootElement.GetProperty("results")[0];
        var png = new Uri(result.GetProperty("reconstruction").GetString()!);
        Assert.Contains("sig=", png.Query);

        using var http = new HttpClient();
        var get = await http.GetAsync(png);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await get.Content.ReadAsByteArrayAsync())[..4]);

        var put = new HttpRequestMessage(HttpMethod.Put, png)
        {
            Content = new ByteArrayContent("overwritten"u8.ToArray()),
        };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(put)).StatusCode);
        var delete = await http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, png));
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);

        Assert.Equal("http://localhost/api/gallery/sas", doc.RootElement.GetProperty("gallery").GetString());

        // The batch API: summary and rows inline, one read URL per blob (a URL for one blob reads no other).
        var batches = new BatchesFunction(
            new FeatureInversion.Pipeline.Gallery.BatchQuery(store, options.Storage, options.Gallery, bed.Gallery)
        );
        var batch = (FakeHttpResponse)
            await batches.BatchAsync(
                new FakeHttpRequest(new Uri("http://localhost/api/batches/sas")),
                "sas",
                CancellationToken.None
            );
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        using var page = JsonDocument.Parse(batch.BodyText());
        var hog = page.RootElement.GetProperty("representations")[0];
        Assert.Equal(("hog", 1), (hog.GetProperty("representation").GetString(), hog.GetProperty("done").GetInt32()));
        var cell = page.RootElement.GetProperty("rows")[0].GetProperty("results")[0];
        Assert.InRange(cell.GetProperty("normalizedError").GetDouble(), 0.01, 2);
        var energy = new Uri(cell.GetProperty("featureEnergy").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(energy)).StatusCode);
        // the whole photo's reconstruction and the photo at its size, signed alike
        var whole = cell.GetProperty("whole");
        foreach (var key in new[] { "reconstruction", "original" })
            Assert.Equal(
                HttpStatusCode.OK,
                (await http.GetAsync(new Uri(whole.GetProperty(key).GetString()!))).StatusCode
            );
        var metricsUrl = new Uri(cell.GetProperty("metrics").GetString()!);
        // the energy PNG's signature on the metrics blob
        var borrowed = new UriBuilder(metricsUrl) { Query = energy.Query.TrimStart('?') }.Uri;
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(borrowed)).StatusCode);
        var html = (FakeHttpResponse)
            await batches.GalleryAsync(
                new FakeHttpRequest(new Uri("http://localhost/api/gallery/sas")),
                "sas",
                CancellationToken.None
            );
        Assert.Contains("sig=", html.BodyText());
        Assert.DoesNotContain("src=\"\"", html.BodyText()); // every image the page shows has its URL
        Assert.StartsWith("text/html", html.Headers.GetValues("Content-Type").Single());

        var unknown = (FakeHttpResponse)
            await batches.BatchAsync(
                new FakeHttpRequest(new Uri("http://localhost/api/batches/none")),
                "none",
                CancellationToken.None
            );
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.StartsWith("application/problem+json", unknown.Headers.GetValues("Content-Type").Single());
        var badSort = (FakeHttpResponse)
            await batches.BatchAsync(
                new FakeHttpRequest(new Uri("http://localhost/api/batches/sas?sort=error:nope&page=1")),
                "sas",
                CancellationToken.None
            );
        Assert.Equal(HttpStatusCode.BadRequest, badSort.StatusCode);
        using var problem = JsonDocument.Parse(badSort.BodyText());
        Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains("one of: hog", problem.RootElement.GetProperty("detail").GetString());
        var badPage = (FakeHttpResponse)
            await batches.BatchAsync(
                new FakeHttpRequest(new Uri("http://localhost/api/batches/sas?page=-1")),
                "sas",
                CancellationToken.None
            );
        Assert.Equal(HttpStatusCode.BadRequest, badPage.StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(options.Gallery.ResultUrlSeconds + 2));
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(png)).StatusCode);

        var missing = (FakeHttpResponse)
            await function.RunAsync(
                new FakeHttpRequest(new Uri("http://localhost/api/results?image=sas/never.jpg")),
                CancellationToken.None
            );
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.StartsWith("application/problem+json", missing.Headers.GetValues("Content-Type").Single());
        var bad = (FakeHttpResponse)
            await function.RunAsync(
                new FakeHttpRequest(new Uri("http://localhost/api/results")),
                CancellationToken.None
            );
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        // A caller App Service authentication did not sign in gets 401 from every HTTP function, even for data that
        // exists (issue 24: the functions are anonymous at the Functions level and rely on that authentication).
        foreach (
            var call in new Func<FakeHttpRequest, Task<Microsoft.Azure.Functions.Worker.Http.HttpResponseData>>[]
            {
                r => function.RunAsync(r, CancellationToken.None),
                r => batches.BatchAsync(r, "sas", CancellationToken.None),
                r => batches.GalleryAsync(r, "sas", CancellationToken.None),
            }
        )
        {
            var anonymous = (FakeHttpResponse)
                await call(
                    new FakeHttpRequest(new Uri("http://localhost/api/results?image=sas/camera-256x256.jpg"), false)
                );
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.DoesNotContain("sig=", anonymous.BodyText());
        }
    }
}
