using System.CommandLine;
using FeatureInversion.Analysis;

namespace FeatureInversion.Trainer.Verbs;

/// <summary><c>defence-curve</c>: redraws an audit's defence curve from the report <c>audit -o</c> recorded (no photos
/// or decoder needed), as scripts/make-figures.sh does for docs/img.</summary>
internal sealed class DefenceCurveVerb : IVerb
{
    private readonly Argument<FileInfo> _report = new("report")
    {
        Description = "An audit report (JSON) written by 'audit … -o report.json'",
    };
    private readonly Option<FileInfo> _output = new("--output", "-o")
    {
        Description = "The PNG plot to write",
        Required = true,
        HelpName = "curve.png",
    };

    public DefenceCurveVerb()
    {
        Command = new Command(
            "defence-curve",
            "Plot an audit's error and re-identification against keypoints kept or descriptor bits, from its recorded "
                + "report."
        )
        {
            _report,
            _output,
        };
        Command.SetAction(Run);
    }

    public Command Command { get; }

    private int Run(ParseResult parse)
    {
        var file = CommonOptions.ExistingFile(parse.GetValue(_report)!);
        var curve = DefenceCurve.FromJson(File.ReadAllText(file.FullName), file.Name);
        var output = parse.GetValue(_output)!;
        File.WriteAllBytes(output.FullName, curve.RenderPng());
        parse.InvocationConfiguration.Output.WriteLine(
            $"{curve.Source}: {curve.Levels.Count} levels, {curve.Audited} photos; plot -> {output}"
        );
        return 0;
    }
}
