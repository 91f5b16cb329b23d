using System.CommandLine;

namespace FeatureInversion.Trainer.Verbs;

/// <summary><c>train</c>: a decoder trained on crops of a folder of photos, evaluated on another, saved with its
/// manifest.</summary>
internal sealed class TrainVerb : IVerb
{
    private readonly TrainingOptionSet _training = new();
    private readonly Option<DirectoryInfo> _train = new("--train")
    {
        Description = "Folder of training photographs",
        Required = true,
        HelpName = "DIR",
    };
    private readonly Option<DirectoryInfo> _test = new("--test")
    {
        Description = "Folder of test photographs (other sources than --train)",
        Required = true,
        HelpName = "DIR",
    };
    private readonly Option<DirectoryInfo> _output = new("--output", "-o")
    {
        Description = "Checkpoint folder to write (weights.dat, manifest.json)",
        Required = true,
        HelpName = "OUTDIR",
    };

    public TrainVerb()
    {
        Command = new Command(
            "train",
            "Trains a decoder on seeded crops of the training photos, evaluates it on crops of the test photos and "
                + "writes weights.dat + manifest.json."
        );
        _training.AddTo(Command);
        Command.Options.Add(_train);
        Command.Options.Add(_test);
        Command.Options.Add(_output);
        Command.SetAction(parse =>
        {
            _training.Run(
                parse,
                CommonOptions.ExistingFolder(parse.GetValue(_train)!).FullName,
                CommonOptions.ExistingFolder(parse.GetValue(_test)!).FullName,
                parse.GetValue(_output)!.FullName
            );
            return 0;
        });
    }

    public Command Command { get; }
}
