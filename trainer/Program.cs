using FeatureInversion.Trainer;

return await Cli.RunAsync(args, Console.Out, Console.Error);
