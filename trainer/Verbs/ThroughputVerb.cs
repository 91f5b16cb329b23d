using System.CommandLine;
using System.Globalization;
using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Decoders.Platform;
using FeatureInversion.Features;
using FeatureInversion.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Trainer.Verbs;

/// <summary>
/// <c>throughput</c>: the decoders' own rate on a device (issue 30), random inputs already there, so the rows are the
/// network's and not the loader's (<c>train</c> reports that). HOG, SIFT-grid and LBP at the CPU scale (64 px, width
/// ¼) and the paper's (256 px, width 1). Inference in float32, in TF32 (CUDA's matrix units for float32; TF32 off for
/// the float32 column) and in bfloat16 (weights and activations converted); training (forward, MSE, backward, Adam)
/// in float32 and TF32; one image's latency in bfloat16. Each rate counts the images of at least <c>--seconds</c> of
/// work after two warm-up batches, the device synchronised before the clock is read.
/// </summary>
internal sealed class ThroughputVerb : IVerb
{
    private readonly Option<DeviceChoice> _device = CommonOptions.Device();
    private readonly Option<double> _seconds = new("--seconds")
    {
        Description = "Seconds of work per figure",
        DefaultValueFactory = _ => 2,
        HelpName = "S",
    };
    private readonly Option<bool> _small = new("--small") { Description = "Only the 64-px, width-1/4 networks" };

    public ThroughputVerb()
    {
        Command = new Command(
            "throughput",
            "Decoder throughput on a device (img/s): inference in float32, TF32 and bfloat16, training in float32 and "
                + "TF32, for HOG, SIFT-grid and LBP at 64 px (width 1/4) and 256 px (width 1)."
        )
        {
            _device,
            _seconds,
            _small,
        };
        Command.SetAction(Run);
    }

    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        var stdout = parse.InvocationConfiguration.Output;
        double seconds = parse.GetValue(_seconds);
        if (!(seconds > 0 && seconds <= 600))
            throw new UsageException("--seconds takes a duration from above 0 to 600");
        var device = TorchDevices.Resolve(parse.GetValue(_device));
        bool gpu = device.type == DeviceType.CUDA;
        var registry = CommonOptions.Registry(null);
        stdout.WriteLine(
            gpu
                ? $"# {device}: {cuda.device_count()} CUDA device(s), cuDNN {cuda.is_cudnn_available()}"
                : $"# {device}: {get_num_threads()} libtorch thread(s), kernels " + $"{TorchKernels.Current}"
        );
        stdout.WriteLine(
            "| decoder | image | width | batch | GMAC/img | inference fp32 | inference tf32 | inference bf16 | "
                + "training fp32 | training tf32 | ms per image (bf16, batch 1) |"
        );
        stdout.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var shapes = (gpu, parse.GetValue(_small)) switch
        {
            (true, false) => new[] { (64, 0.25, 256), (256, 1.0, 64) },
            (true, true) => [(64, 0.25, 256)],
            (false, false) => [(64, 0.25, 64), (256, 1.0, 8)],
            (false, true) => [(64, 0.25, 64)],
        };
        foreach (var (size, width, batch) in shapes)
        foreach (var name in new[] { "hog", "sift-grid", "lbp" })
            stdout.WriteLine(Row(registry.Get(name), size, width, batch, device, seconds));
        return 0;
    }

    private static string Row(
        RepresentationDescriptor representation,
        int size,
        double width,
        int batch,
        Device device,
        double seconds
    )
    {
        bool gpu = device.type == DeviceType.CUDA;
        random.manual_seed(0);
        var spec = DecoderArchitecture.For(representation, size, width);
        using var network = new DecoderNetwork(spec);
        network.to(device);
        long[] shape = [spec.Input.Channels, spec.Input.Rows, spec.Input.Cols];
        using var input = randn([batch, .. shape], device: device);
        using var one = randn([1, .. shape], device: device);
        using var target = rand([batch, 3, size, size], device: device);
        Action? sync = gpu ? () => cuda.synchronize() : null;

        double Infer(Tensor x) =>
            StepRate.Measure(
                seconds,
                (int)x.shape[0],
                () =>
                {
                    using var scope = NewDisposeScope();
                    using var noGrad = no_grad();
                    network.eval();
                    network.call(x);
                },
                sync
            );
        double Train()
        {
            using var optimizer = optim.Adam(network.parameters(), 1e-3);
            network.train();
            return StepRate.Measure(
                seconds,
                batch,
                () =>
                {
                    using var scope = NewDisposeScope();
                    optimizer.zero_grad();
                    nn.functional.mse_loss(network.call(input), target).backward();
                    optimizer.step();
                },
                sync
            );
        }

        SetTf32(device, false);
        double fp32 = Infer(input),
            trainFp32 = Train();
        double? tf32 = null,
            trainTf32 = null;
        if (gpu)
        {
            SetTf32(device, true);
            (tf32, trainTf32) = (Infer(input), Train());
            SetTf32(device, false);
        }
        network.to(ScalarType.BFloat16);
        using var inputBf16 = input.to(ScalarType.BFloat16);
        using var oneBf16 = one.to(ScalarType.BFloat16);
        double bf16 = Infer(inputBf16),
            latency = 1000 / Infer(oneBf16);
        static string Cell(double? v) => v is { } x ? x.ToString("F0", CultureInfo.InvariantCulture) : "—";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"| {representation.Name} | {size}x{size} | {width} | {batch} | {spec.MultiplyAdds / 1e9:F3} | "
                + $"{fp32:F0} | {Cell(tf32)} | {bf16:F0} | {trainFp32:F0} | {Cell(trainTf32)} | {latency:F2} |"
        );
    }

    private static void SetTf32(Device device, bool on) => TorchDevices.AllowTf32(device, on);
}
