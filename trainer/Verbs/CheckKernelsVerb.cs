using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FeatureInversion.Analysis;
using FeatureInversion.Decoders;
using FeatureInversion.Decoders.Inference;
using FeatureInversion.Decoders.Platform;
using FeatureInversion.Models;
using TorchSharp;

namespace FeatureInversion.Trainer.Verbs;

/// <summary>
/// <c>check-kernels</c>: the decoders' arithmetic against the float64 reference (<see cref="ReferenceForward"/>) and
/// under repetition. Every decoder runs over the test crops <c>--repeat</c> times; it fails on any non-finite output,
/// on a run that differs from the first, or on a pixel more than 1/255 from the reference (docs/platform.md). On a GPU
/// (<c>--device cuda</c>, or auto where libtorch sees one) each decoder also runs on the CPU over the same features,
/// and an output more than 1e-4 of the [0, 1] range from the CPU's fails it (docs/gpu.md).
/// </summary>
internal sealed class CheckKernelsVerb : IVerb
{
    private readonly Argument<DirectoryInfo[]> _decoders = new("decoders")
    {
        Description = "Decoder checkpoint folders, or folders searched for them (default: the shipped decoders)",
        Arity = ArgumentArity.ZeroOrMore,
    };
    private readonly Option<DirectoryInfo> _test = new("--test")
    {
        Description = "Folder of test photographs",
        Required = true,
        HelpName = "DIR",
    };
    private readonly Option<int> _perPhoto = new("--per-photo")
    {
        Description = "Crops per photo",
        DefaultValueFactory = _ => 10,
    };
    private readonly Option<int> _repeat = new("--repeat")
    {
        Description = "How often every crop is decoded",
        DefaultValueFactory = _ => 1,
    };
    private readonly Option<int> _referenceItems = new("--reference-items")
    {
        Description = "Crops per decoder compared with the float64 reference",
        DefaultValueFactory = _ => 4,
    };
    private readonly Option<FileInfo?> _alexNet = CommonOptions.AlexNet();
    private readonly Option<DeviceChoice> _device = CommonOptions.Device();

    /// <summary>Float32 on another device against the CPU: different kernels and summation orders, the same
    /// function; 1e-4 of the output range is far above float32 rounding and far below one 8-bit level.</summary>
    private const double DeviceTolerance = 1e-4;

    public CheckKernelsVerb()
    {
        Command = new Command(
            "check-kernels",
            "Check libtorch's convolution kernels on this CPU: every decoder against a float64 reference (within "
                + "1/255) and under repetition (no non-finite value)."
        )
        {
            _decoders,
            _test,
            _perPhoto,
            _repeat,
            _referenceItems,
            _alexNet,
            _device,
        };
        Command.SetAction(Run);
    }

    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var test = CommonOptions.ExistingFolder(parse.GetValue(_test)!);
        int repeat = parse.GetValue(_repeat),
            perPhoto = parse.GetValue(_perPhoto),
            referenceItems = parse.GetValue(_referenceItems);
        if (repeat < 1 || perPhoto < 1 || referenceItems < 0)
            throw new UsageException("--repeat and --per-photo must be at least 1, --reference-items at least 0");
        var roots = parse.GetValue(_decoders) is { Length: > 0 } given ? given : [CommonOptions.DefaultModels()];
        var folders = roots
            .Select(CommonOptions.ExistingFolder)
            .SelectMany(r =>
                Directory.EnumerateFiles(r.FullName, DecoderManifest.FileName, SearchOption.AllDirectories)
            )
            .Select(Path.GetDirectoryName)
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        if (folders.Count == 0)
            throw new IOException(
                $"no decoder checkpoints ({DecoderManifest.FileName}) under "
                    + $"{string.Join(", ", roots.Select(r => r.FullName))}"
            );
        var registry = CommonOptions.Registry(parse.GetValue(_alexNet));
        var device = TorchDevices.Resolve(parse.GetValue(_device));
        bool onCpu = device.type == TorchSharp.DeviceType.CPU;
        TorchDevices.AllowTf32(device, false); // the comparison is float32 against float32
        stdout.WriteLine($"device: {device}{(onCpu ? "" : "; every decoder also on the CPU over the same features")}");

        // an ISA limit it sets (setenv) is invisible to .NET's Environment, so it reports it
        var kernels = TorchKernels.Current;
        string isa = kernels.IsaCap
            ?? Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA")
            ?? Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA")
            ?? "default";
        stdout.WriteLine($"kernels: {kernels}; oneDNN max ISA: {isa}; Zen 5: {TorchKernels.IsZen5()}");
        // every layer kind of the start-up self-check, so a faulty kernel shows which kinds it affects
        var layers = KernelSelfCheck.Run(allLayers: true).Layers;
        stdout.WriteLine(
            "self-check, max deviation from float64 per layer kind: "
                + string.Join(
                    "; ",
                    layers.Select(l =>
                    {
                        string verdict =
                            l.Passed ? ""
                            : l.Canary ? " (off; not run)"
                            : " FAIL";
                        return string.Create(
                            CultureInfo.InvariantCulture,
                            $"{l.Name} {l.MaxDeviation:0.0e+0}{verdict}"
                        );
                    })
                )
        );
        int failures = 0;
        long totalNonFinite = 0,
            totalItems = 0;
        foreach (var folder in folders)
        {
            var manifest = DecoderManifest.Read(folder!);
            if (DecoderCheckpoint.IsAutoencoder(manifest))
            {
                stdout.WriteLine($"{manifest.Version}: skipped (autoencoder)");
                continue;
            }
            var (network, _) = DecoderCheckpoint.Load(folder!, registry);
            using (network)
            {
                var (_, _, features) = DecoderEvaluation.TestSet(
                    network.Spec.Representation,
                    test.FullName,
                    network.Spec.ImageSize,
                    perPhoto
                );
                // the CPU's outputs first (the float64 reference reads the weights on the CPU too), then the device's
                var onCpuOutputs = onCpu
                    ? null
                    : DecoderInference.DecodeEach(network, features).Select(image => image?.Planes).ToList();
                int compared = Math.Min(referenceItems, features.Count);
                var expected = ReferenceForward.Run(network.Spec, network, features.Take(compared).Select(f => f.Data));
                if (!onCpu)
                    network.to(device);
                List<float[]?>? first = null;
                long nonFinite = 0;
                double runToRun = 0;
                var clock = Stopwatch.StartNew();
                for (int r = 0; r < repeat; r++)
                {
                    var outputs = DecoderInference
                        .DecodeEach(network, features)
                        .Select(image => image?.Planes)
                        .ToList();
                    nonFinite += outputs.Count(o => o is null);
                    first ??= outputs;
                    for (int i = 0; i < outputs.Count; i++)
                        if (outputs[i] is { } o && first[i] is { } f)
                            runToRun = Math.Max(runToRun, MaxDifference(o, f));
                }
                double seconds = clock.Elapsed.TotalSeconds;
                double reference = 0;
                for (int i = 0; i < compared; i++)
                {
                    if (first![i] is not { } got)
                    {
                        reference = double.PositiveInfinity;
                        continue;
                    }
                    for (int j = 0; j < got.Length; j++)
                        reference = Math.Max(reference, Math.Abs(got[j] - Math.Clamp(expected[i][j], 0, 1)));
                }
                // Run to run: batches of the same size through the same kernels; oneDNN's reductions are ordered, so a
                // difference above float32 rounding (1e-5 of the [0, 1] range) is a fault, not noise.
                double againstCpu = 0;
                if (onCpuOutputs is not null)
                    for (int i = 0; i < onCpuOutputs.Count; i++)
                        againstCpu =
                            onCpuOutputs[i] is { } c && first![i] is { } d
                                ? Math.Max(againstCpu, MaxDifference(d, c))
                                : double.PositiveInfinity;
                bool ok = nonFinite == 0 && reference <= 1.0 / 255 && runToRun <= 1e-5 && againstCpu <= DeviceTolerance;
                if (!ok)
                    failures++;
                totalNonFinite += nonFinite;
                totalItems += (long)features.Count * repeat;
                string cpuPart = onCpu
                    ? ""
                    : string.Create(
                        CultureInfo.InvariantCulture,
                        $"against the CPU max {againstCpu:0.0e+0} (limit {DeviceTolerance:0e+0}); "
                    );
                stdout.WriteLine(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{manifest.Version}: {features.Count} crops x {repeat}: {nonFinite} non-finite; run-to-run "
                            + $"max {runToRun:0.0e+0}; float64 reference ({compared} crops) max "
                            + $"{reference * 255:0.0000}/255; {cpuPart}{seconds:0.0} s; {(ok ? "ok" : "FAIL")}"
                    )
                );
            }
        }
        stdout.WriteLine(
            $"total: {totalNonFinite} non-finite of {totalItems} decodes; {failures} decoder(s) failed; kernels at "
                + $"the end: {TorchKernels.Current}"
        );
        return failures == 0 ? 0 : 1;
    }

    private static double MaxDifference(float[] a, float[] b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
