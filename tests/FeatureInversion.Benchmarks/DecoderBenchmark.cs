using System.Globalization;
using FeatureInversion.Decoders.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Benchmarks;

/// <summary>
/// Decoder throughput on this machine: inference (no_grad forward) and training (forward, MSE loss, backward, Adam
/// step) in images per second, for the CPU-scale networks (64×64, width ¼) and the paper's full size (256×256,
/// width 1), on random inputs of the right shape. libtorch uses all cores unless <c>--threads N</c> says otherwise;
/// the peak is measured on the same number of threads.
/// </summary>
internal static class DecoderBenchmark
{
    public static int Run(string[] args)
    {
        int at = Array.IndexOf(args, "--seconds");
        double seconds = at >= 0 && at + 1 < args.Length ? double.Parse(args[at + 1], CultureInfo.InvariantCulture) : 5;
        bool small = args.Contains("--small"); // the CPU-scale networks only (the kernels benchmark)
        int threadsAt = Array.IndexOf(args, "--threads");
        if (threadsAt >= 0)
        {
            if (
                threadsAt + 1 >= args.Length
                || !int.TryParse(args[threadsAt + 1], CultureInfo.InvariantCulture, out int threads)
                || threads < 1
            )
            {
                Console.Error.WriteLine("--threads needs a positive thread count");
                return 2;
            }
            torch.set_num_threads(threads);
        }
        Console.WriteLine(
            $"# {Environment.ProcessorCount} cores, libtorch threads {torch.get_num_threads()}, CPU; medians not "
                + $"used: throughput over >= {seconds} s after warm-up"
        );
        Console.WriteLine($"# kernels: {FeatureInversion.Decoders.Platform.TorchKernels.Current}");
        var (one, _) = FmaPeak.Measure(1);
        var (peak, isa) = FmaPeak.Measure(torch.get_num_threads());
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"# measured peak on 1 thread ({isa}, float32): {one:F0} GFLOP/s"
            )
        );
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"# measured peak on {torch.get_num_threads()} thread(s) ({isa}, float32): {peak:F0} GFLOP/s; GFLOP/s "
                    + $"below count 2 per multiply-add of the convolutions, 3 forward passes' worth per training image"
            )
        );
        Console.WriteLine(
            "| decoder | image | width | parameters | GMAC/img | batch | inference (img/s) | GFLOP/s (% peak) | "
                + "training (img/s) | GFLOP/s (% peak) |"
        );
        Console.WriteLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (size, width, batch) in small ? new[] { (64, 0.25, 64) } : new[] { (64, 0.25, 64), (256, 1.0, 8) })
        {
            foreach (var representation in new[] { "hog", "sift-grid", "lbp" })
            {
                random.manual_seed(0);
                var spec = DecoderArchitecture.For(Benchmark.Registry.Get(representation), size, width);
                using var network = new DecoderNetwork(spec);
                var input = randn(batch, spec.Input.Channels, spec.Input.Rows, spec.Input.Cols);
                var target = rand(batch, 3, size, size);
                double inference = StepRate.Measure(seconds, batch, () =>
                {
                    using var scope = NewDisposeScope();
                    using var noGrad = no_grad();
                    network.eval();
                    network.call(input);
                });
                var optimizer = optim.Adam(network.parameters(), 1e-3);
                network.train();
                double training = StepRate.Measure(seconds, batch, () =>
                {
                    using var scope = NewDisposeScope();
                    optimizer.zero_grad();
                    nn.functional.mse_loss(network.call(input), target).backward();
                    optimizer.step();
                });
                double macs = spec.MultiplyAdds,
                    inferenceGflops = inference * 2 * macs / 1e9,
                    trainingGflops = training * 3 * 2 * macs / 1e9;
                Console.WriteLine(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"| {representation} | {size}x{size} | {width} | {network.ParameterCount:N0} | "
                            + $"{macs / 1e9:F3} | {batch} | {inference:F1} | {inferenceGflops:F1} "
                            + $"({inferenceGflops / peak:P0}) | {training:F1} | {trainingGflops:F1} "
                            + $"({trainingGflops / peak:P0}) |"
                    )
                );
                input.Dispose();
                target.Dispose();
                optimizer.Dispose();
            }
        }
        return 0;
    }
}
