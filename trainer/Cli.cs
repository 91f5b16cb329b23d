using FeatureInversion.Features;
using FeatureInversion.Imaging;

namespace FeatureInversion.Trainer;

/// <summary>Verb dispatch for the trainer executable. Exit codes: 0 success, 1 failure on bad input, 2 usage error.</summary>
public static class Cli
{
    public const string Usage = """
        usage: FeatureInversion.Trainer <verb> [arguments]

        verbs:
          features <representation> <image> -o <out.npy>
              Writes the features of an image as a float32 .npy array.
              representation: hog | lbp | sift-grid (channels x rows x cols), or sift (N x 132 frames:
              x, y, scale, angle, 128-d descriptor), all computed on the rgb2gray image as VLFeat 0.9.21 does.
          help
              Shows this text.
        """;

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "help" or "-h" or "--help")
        {
            stdout.WriteLine(Usage);
            return Task.FromResult(args.Length == 0 ? 2 : 0);
        }
        try
        {
            return Task.FromResult(args[0] switch
            {
                "features" => Features(args[1..], stdout),
                _ => throw new UsageException($"unknown verb '{args[0]}'"),
            });
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            stderr.WriteLine(Usage);
            return Task.FromResult(2);
        }
        catch (Exception e) when (e is InvalidImageException or ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return Task.FromResult(1);
        }
    }

    private static int Features(string[] args, TextWriter stdout)
    {
        var (positional, options) = Parse(args, "-o", "--output");
        if (positional.Count != 2) throw new UsageException("features needs <representation> <image>");
        string representation = positional[0], image = positional[1];
        if (!FeatureExport.Names.Contains(representation, StringComparer.OrdinalIgnoreCase))
            throw new UsageException($"unknown representation '{representation}' (known: {string.Join(", ", FeatureExport.Names)})");
        string output = options.GetValueOrDefault("-o") ?? options.GetValueOrDefault("--output")
            ?? throw new UsageException("features needs -o <out.npy>");
        if (!File.Exists(image)) throw new IOException($"{image}: no such file");

        var shape = FeatureExport.Write(representation, image, output);
        stdout.WriteLine($"{representation} {Path.GetFileName(image)} -> {output} float32 ({string.Join(", ", shape)})");
        return 0;
    }

    /// <summary>Splits arguments into positionals and the values of the given options.</summary>
    private static (List<string> Positional, Dictionary<string, string> Options) Parse(string[] args, params string[] valueOptions)
    {
        var positional = new List<string>();
        var options = new Dictionary<string, string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (valueOptions.Contains(args[i]))
            {
                if (i + 1 >= args.Length) throw new UsageException($"{args[i]} needs a value");
                options[args[i]] = args[++i];
            }
            else if (args[i].StartsWith('-') && args[i].Length > 1)
            {
                throw new UsageException($"unknown option '{args[i]}'");
            }
            else
            {
                positional.Add(args[i]);
            }
        }
        return (positional, options);
    }

    private sealed class UsageException(string message) : Exception(message);
}
