using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Benchmarks;

/// <summary>
/// Decoder throughput on this machine: inference (no_grad forward) and training (forward, MSE loss, backward, Adam
/// step) in images per second, for the CPU-scale networks (64×64, width ¼) and the paper's full size (256×256,
/// width 1), on random inputs of the right shape. libtorch uses all cores.
/// </summary>
internal static class DecoderBenchmark
{
    public static int Run(string[] args)
    {
        int at = Array.IndexOf(args, "--seconds");
        double seconds = at >= 0 && at + 1 < args.Length ? double.Parse(args[at + 1], CultureInfo.InvariantCulture) : 5;
        bool small = args.Contains("--small"); // the CPU-scale networks only (the kernels benchmark)
        Console.WriteLine(
            $"# {Environment.ProcessorCount} cores, libtorch threads {torch.get_num_threads()}, CPU; medians not "
                + $"used: throughput over >= {seconds} s after warm-up"
        );
        Console.WriteLine($"# kernels: {FeatureInversion.Decoders.Platform.TorchKernels.Current}");
        Console.WriteLine("| decoder | image | width | parameters | batch | inference (img/s) | training (img/s) |");
        Console.WriteLine("|---|---|---|---:|---:|---:|---:|");
        foreach (var (size, width, batch) in small ? new[] { (64, 0.25, 64) } : new[] { (64, 0.25, 64), (256, 1.0, 8) })
        {
            foreach (var representation in new[] { "hog", "sift-grid", "lbp" })
            {
                random.manual_seed(0);
                var spec = DecoderArchitecture.For(Benchmark.Registry.Get(representation), size, width);
                using var network = new DecoderNetwork(spec);
                var input = randn(batch, spec.Input.Channels, spec.Input.Rows, spec.Input.Cols);
                var target = rand(batch, 3, size, size);
                double inference = Throughput(seconds, batch, () =>
                {
                    using var scope = NewDisposeScope();
                    using var noGrad = no_grad();
                    network.eval();
                    network.call(input);
                });
                var optimizer = optim.Adam(network.parameters(), 1e-3);
                network.train();
                double training = Throughput(seconds, batch, () =>
                {
                    using var scope = NewDisposeScope();
                    optimizer.zero_grad();
                    nn.functional.mse_loss(network.call(input), target).backward();
                    optimizer.step();
                });
                Console.WriteLine(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"| {representation} | {size}x{size} | {width} | {network.ParameterCount:N0} | {batch} | "
                            + $"{inference:F1} | {training:F1} |"
                    )
                );
                input.Dispose();
                target.Dispose();
                optimizer.Dispose();
            }
        }
        return 0;
    }

    private static double Throughput(double seconds, int batch, Action step)
    {
        step();
        step(); // warm-up: allocator and kernels
        int images = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds || images < 3 * batch)
        {
            step();
            images += batch;
        }
        return images / clock.Elapsed.TotalSeconds;
    }
}
