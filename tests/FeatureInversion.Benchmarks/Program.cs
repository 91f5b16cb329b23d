using FeatureInversion.Benchmarks;
using FeatureInversion.Decoders.Platform;

TorchKernels.Request(Environment.GetEnvironmentVariable(TorchKernels.OverrideVariable));
return args.FirstOrDefault() switch
{
    "features" => FeatureBenchmark.Run(args[1..]),
    "decoders" => DecoderBenchmark.Run(args[1..]),
    "precision" => DecoderPrecisionBenchmark.Run(args[1..]),
    "kernels" => KernelBenchmark.Run(args[1..]),
    "pipeline" => PipelineBenchmark.Run(args[1..]),
    "training" => TrainingDataBenchmark.Run(args[1..]),
    "gallery" => GalleryBenchmark.Run(args[1..]),
    "jpeg" => JpegBenchmark.Run(args[1..]),
    "alloc" => AllocationReport.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine(
        "usage: FeatureInversion.Benchmarks features [--images DIR] [--seconds S] | decoders [--seconds S] [--small] "
            + "| precision [--threads N] [--seconds S] [--rounds R] [--images DIR] [--models DIR] | kernels "
            + "[--seconds S] [--rounds R] | pipeline [--images DIR] | training rate|cache|rss|pool [...] | "
            + "gallery [--images N] [--whole] [--connection STRING] | jpeg [--images DIR]... [--seconds S] "
            + "| alloc TRACE.nettrace"
    );
    return 2;
}
