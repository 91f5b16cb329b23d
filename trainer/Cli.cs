using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using FeatureInversion.Imaging;
using FeatureInversion.Trainer.Verbs;

namespace FeatureInversion.Trainer;

/// <summary>
/// The trainer's command line (System.CommandLine): one class per verb under <c>Verbs/</c>. Exit codes: 0 success,
/// 1 failure on bad input (unreadable image, missing file, corrupt checkpoint…), 2 usage error — then only that
/// verb's usage is printed. <c>--help</c> on any verb prints its usage and exits 0.
/// </summary>
public static class Cli
{
    /// <summary>Exceptions that mean bad input (exit 1, message only), not a bug.</summary>
    public static bool IsInputError(Exception e) =>
        e
            is InvalidImageException
                or ArgumentException
                or IOException
                or InvalidDataException
                or UnauthorizedAccessException
                or FeatureInversion.Onnx.OnnxImportException
                or Microsoft.Extensions.Options.OptionsValidationException
                or Azure.RequestFailedException
        // The Azure SDK's retries end in an AggregateException of the attempts' errors (storage unreachable).
        || e is AggregateException { InnerExceptions.Count: > 0 } a && a.InnerExceptions.All(IsInputError);

    /// <summary>Failures of the computation rather than of the input (exit 1, message only): non-finite results, and
    /// libtorch's errors (TorchSharp raises them as <see cref="System.Runtime.InteropServices.ExternalException"/>,
    /// whose message carries a C++ backtrace after the first line).</summary>
    public static string? RunFailure(Exception e) =>
        e switch
        {
            FeatureInversion.Decoders.Inference.NonFiniteOutputException
            or FeatureInversion.Training.NonFiniteTrainingException
            or FeatureInversion.Decoders.Inference.DeviceUnavailableException
            or FeatureInversion.Training.KernelMismatchException => e.Message,
            System.Runtime.InteropServices.ExternalException => $"libtorch: {e.Message.Split('\n')[0].Trim()}",
            AggregateException { InnerExceptions.Count: 1 } a => RunFailure(a.InnerExceptions[0]),
            _ => null,
        };

    /// <summary>The build's version and git commit (the SDK puts the commit after '+' in the informational
    /// version).</summary>
    public static string Version
    {
        get
        {
            string informational = typeof(Cli)
                .Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
                .OfType<System.Reflection.AssemblyInformationalVersionAttribute>()
                .FirstOrDefault()
                ?.InformationalVersion
                ?? "unknown";
            int plus = informational.IndexOf('+');
            return plus < 0 ? informational : $"{informational[..plus]} (commit {informational[(plus + 1)..]})";
        }
    }

    public static IReadOnlyList<IVerb> Verbs() =>
        [
            new FeaturesVerb(),
            new ArchitectureVerb(),
            new TrainVerb(),
            new EvaluateVerb(),
            new ReconstructVerb(),
            new LayerCurveVerb(),
            new DataStudyVerb(),
            new DefenceCurveVerb(),
            new AnalyzeVerb(),
            new OptimizeVerb(),
            new PipelineVerb(),
            new PublishVerb(),
            new RetrainVerb(),
            new CheckKernelsVerb(),
            new AuditVerb(),
            new ThroughputVerb(),
        ];

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand(
            "Feature inversion with up-convolutional networks (Dosovitskiy & Brox, CVPR 2016): features, decoders, "
                + "evaluation and the pipeline."
        );
        foreach (var verb in Verbs())
            root.Subcommands.Add(verb.Command);
        return root;
    }

    public static async Task<int> RunAsync(
        string[] args,
        TextWriter stdout,
        TextWriter stderr,
        CancellationToken ct = default
    )
    {
        var root = BuildRoot();
        var parse = root.Parse(args);
        var command = parse.CommandResult.Command;
        if (parse.Action is HelpAction)
        {
            WriteUsage(root, parse, stdout);
            return 0;
        }
        if (parse.Errors.Count == 0 && command == root && args.Contains("--version"))
        {
            stdout.WriteLine($"FeatureInversion.Trainer {Version}");
            return 0;
        }
        if (parse.Errors.Count > 0 || command == root)
        {
            foreach (var error in parse.Errors)
                stderr.WriteLine($"error: {error.Message}");
            foreach (var token in parse.UnmatchedTokens.Where(t => t.StartsWith('-')))
            {
                var names = command
                    .Options.SelectMany(o => o.Aliases.Prepend(o.Name))
                    .Where(n => n.StartsWith("--", StringComparison.Ordinal));
                if (Suggest.Closest(token, names) is { } close)
                    stderr.WriteLine($"error: '{token}': did you mean '{close}'?");
            }
            if (
                command == root
                && args.FirstOrDefault() is { } first
                && !first.StartsWith('-')
                && Suggest.Closest(first, root.Subcommands.Select(c => c.Name)) is { } verb
            )
                stderr.WriteLine($"error: did you mean '{verb}'?");
            if (command == root && parse.Errors.Count == 0)
                stderr.WriteLine("error: name a verb");
            WriteUsage(root, parse, stderr);
            return 2;
        }
        try
        {
            return await parse.InvokeAsync(
                new InvocationConfiguration
                {
                    Output = stdout,
                    Error = stderr,
                    EnableDefaultExceptionHandler = false,
                },
                ct
            );
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            WriteUsage(root, parse, stderr);
            return 2;
        }
        catch (Exception e) when (IsInputError(e))
        {
            stderr.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (RunFailure(e) is { } message)
        {
            stderr.WriteLine($"error: {message}");
            return 1;
        }
    }

    /// <summary>The usage of the verb a parse reached (the root's when none), written by System.CommandLine's
    /// help.</summary>
    private static void WriteUsage(RootCommand root, ParseResult parse, TextWriter writer)
    {
        var path = new List<string>();
        for (var r = parse.CommandResult; r is not null && r.Command != root; r = r.Parent as CommandResult)
            path.Insert(0, r.Command.Name);
        root.Parse([.. path, "--help"]).Invoke(new InvocationConfiguration { Output = writer });
    }
}
