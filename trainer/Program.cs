using FeatureInversion.Decoders.Platform;
using FeatureInversion.Trainer;

TorchKernels.Request(Environment.GetEnvironmentVariable(TorchKernels.OverrideVariable));
return await Cli.RunAsync(args, Console.Out, Console.Error);
