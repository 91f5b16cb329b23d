using System.Collections.Concurrent;
using System.Threading.Channels;
using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Features;
using FeatureInversion.Imaging;
using FeatureInversion.Models;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Publishing;
using FeatureInversion.Pipeline.Queues;
using FeatureInversion.Pipeline.Telemetry;

namespace FeatureInversion.Reconstruction;

/// <summary>
/// Loaded decoders, one per published version (downloaded and loaded once), each behind a batcher: concurrent jobs
/// for the same version are decoded together in one forward pass of up to <see cref="QueueOptions.BatchSize"/>
/// images, waiting at most <see cref="DecoderWorkerOptions.BatchWindowMilliseconds"/> for a batch to fill. One loop per
/// decoder owns its network, so TorchSharp is never called on the same module from two threads. Decoders are put
/// on <paramref name="device"/> (CUDA in a GPU worker). Owned by the DI container, which disposes it once.
/// </summary>
public sealed class DecoderPool(
    ModelRegistry registry,
    DecoderWorkerOptions worker,
    QueueOptions queue,
    RepresentationRegistry representations,
    TorchSharp.torch.Device device
) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<BatchingDecoder>>> _decoders = new();

    public Task<BatchingDecoder> GetAsync(string representation, string version, CancellationToken ct = default) =>
        _decoders
            .GetOrAdd($"{representation}/{version}", _ => new Lazy<Task<BatchingDecoder>>(() =>
                LoadAsync(representation, version)
            ))
            .Value.WaitAsync(ct);

    private async Task<BatchingDecoder> LoadAsync(string representation, string version)
    {
        try
        {
            string dir = await registry.DownloadAsync(representation, version, worker.ModelCacheDirectory);
            var (network, manifest) = DecoderCheckpoint.Load(dir, representations, representation, device);
            // published with newer versions only
            var meanImage = DecoderCheckpoint.TryLoadMeanImage(dir, manifest.ImageSize);
            return new BatchingDecoder(
                network,
                manifest,
                queue.BatchSize,
                TimeSpan.FromMilliseconds(worker.BatchWindowMilliseconds),
                meanImage
            );
        }
        catch
        {
            _decoders.TryRemove($"{representation}/{version}", out _); // let a later job try again
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in _decoders.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
                await lazy.Value.Result.DisposeAsync();
        }
    }
}

/// <summary>A decoder with a request queue that is drained in batches by a single loop.</summary>
public sealed class BatchingDecoder : IAsyncDisposable
{
    private sealed record Request(FeatureMap Features, TaskCompletionSource<ColorImage> Result, bool Whole = false);

    private readonly DecoderNetwork _network;
    private readonly Channel<Request> _requests = Channel.CreateUnbounded<Request>();
    private readonly Task _loop;
    private readonly int _batchSize;
    private readonly TimeSpan _window;

    public BatchingDecoder(
        DecoderNetwork network,
        DecoderManifest manifest,
        int batchSize,
        TimeSpan window,
        float[]? meanImage = null
    )
    {
        _network = network;
        Manifest = manifest;
        MeanImage = meanImage;
        _batchSize = batchSize;
        _window = window;
        _loop = Task.Run(LoopAsync);
    }

    public DecoderManifest Manifest { get; }

    /// <summary>The decoder's mean training image (planes at its size), when published: each result's
    /// baseline.</summary>
    public float[]? MeanImage { get; }
    public FeatureShape InputShape => _network.Spec.Input;

    public Task<ColorImage> DecodeAsync(FeatureMap features, CancellationToken ct = default)
    {
        if (features.Shape != InputShape)
            throw new InvalidJobException(
                $"features are {features.Shape}, decoder {Manifest.Version} takes {InputShape}"
            );
        if (!FiniteValues.AreFinite(features.Data))
            throw new InvalidJobException("features contain NaN or infinite values");
        return Enqueue(features, whole: false, ct);
    }

    /// <summary>Decodes a whole map of any size (an uploaded feature file) as one image, in this decoder's loop (one
    /// network, one caller at a time): <see cref="WholeImageDecoding"/>, tiled where the image is large. A map it
    /// cannot decode (other channels, values not finite, too large) fails with its ArgumentException.</summary>
    public Task<ColorImage> DecodeWholeAsync(FeatureMap features, CancellationToken ct = default) =>
        Enqueue(features, whole: true, ct);

    private Task<ColorImage> Enqueue(FeatureMap features, bool whole, CancellationToken ct)
    {
        var request = new Request(
            features,
            new TaskCompletionSource<ColorImage>(TaskCreationOptions.RunContinuationsAsynchronously),
            whole
        );
        bool queued = _requests.Writer.TryWrite(request);
        ObjectDisposedException.ThrowIf(!queued, typeof(BatchingDecoder));
        return request.Result.Task.WaitAsync(ct);
    }

    private async Task LoopAsync()
    {
        var batch = new List<Request>(_batchSize);
        while (await _requests.Reader.WaitToReadAsync())
        {
            batch.Clear();
            var deadline = DateTime.UtcNow + _window;
            while (batch.Count < _batchSize)
            {
                if (_requests.Reader.TryRead(out var r))
                {
                    batch.Add(r);
                    continue;
                }
                var left = deadline - DateTime.UtcNow;
                if (batch.Count > 0 && left <= TimeSpan.Zero)
                    break;
                using var timeout = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero);
                try
                {
                    if (!await _requests.Reader.WaitToReadAsync(timeout.Token))
                        break;
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            foreach (var whole in batch.Where(b => b.Whole))
            {
                try
                {
                    whole.Result.TrySetResult(WholeImageDecoding.Decode(_network, whole.Features));
                }
                catch (Exception e)
                {
                    whole.Result.TrySetException(e);
                }
            }
            batch.RemoveAll(b => b.Whole);
            if (batch.Count == 0)
                continue;
            try
            {
                PipelineTelemetry.BatchFill.Record(
                    batch.Count / (double)_batchSize,
                    PipelineTelemetry.RepresentationTag(Manifest.Representation)
                );
                var images = DecoderInference.DecodeEach(
                    _network,
                    batch.Select(b => b.Features).ToList(),
                    batchSize: _batchSize
                );
                for (int i = 0; i < batch.Count; i++)
                {
                    if (images[i] is { } image)
                        batch[i].Result.TrySetResult(image);
                    else
                        batch[i].Result.TrySetException(NonFiniteOutputException.For([0], 1));
                }
            }
            catch (Exception e)
            {
                foreach (var b in batch)
                    b.Result.TrySetException(e);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _requests.Writer.TryComplete();
        await _loop;
        _network.Dispose();
    }
}
