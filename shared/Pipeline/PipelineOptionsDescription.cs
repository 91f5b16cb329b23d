using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace FeatureInversion.Pipeline;

/// <summary>
/// The effective settings as one log line, secrets redacted: the values of <c>AccountKey</c>, <c>SharedAccessKey</c>,
/// <c>SharedAccessSignature</c>, <c>sig</c> and passwords inside connection strings become <c>***</c>. Hosts log it at
/// start, so an operator sees what a process actually runs with (the usual cause of "it starts and does nothing").
/// Every settings name is that of the <see cref="PipelineSection"/> key (<c>Pipeline__Name</c>), whichever concern's
/// options class holds it.
/// </summary>
public static partial class PipelineOptionsDescription
{
    /// <summary>Every public property of each options object, sorted by name.</summary>
    public static string Describe(params IEnumerable<object> options)
    {
        var parts = options
            .SelectMany(o =>
                o.GetType()
                    .GetProperties(BindingFlags.Public | BindingFlags.Instance)
                    .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
                    .Select(p => (p.Name, Value: p.GetValue(o)))
            )
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={Format(p.Value)}");
        return string.Join("; ", parts);
    }

    public static string Redact(string value) => Secret().Replace(value, m => $"{m.Groups[1].Value}=***");

    private static string Format(object? value) =>
        value switch
        {
            null => "(none)",
            string s => Redact(s),
            string[] a => "[" + string.Join(", ", a) + "]",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };

    [GeneratedRegex(
        @"(AccountKey|SharedAccessKey|SharedAccessSignature|sig|Password|pwd)=([^;&]*)",
        RegexOptions.IgnoreCase
    )]
    private static partial Regex Secret();
}
