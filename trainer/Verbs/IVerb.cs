using System.CommandLine;

namespace FeatureInversion.Trainer.Verbs;

/// <summary>One verb of the command line: its command (arguments, options, action).</summary>
public interface IVerb
{
    Command Command { get; }
}

/// <summary>A command line that is well formed but asks for something impossible (exit code 2, with the verb's
/// usage).</summary>
public sealed class UsageException(string message) : Exception(message);
