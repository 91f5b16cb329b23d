using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace FeatureInversion.Trainer.Verbs;

/// <summary>
/// Progress of a verb's long work, on standard error so that standard output keeps only results (tables, figures):
/// a live bar with the time remaining when it is a terminal (Spectre Console), plain lines with the time remaining
/// when it is not (CI, logs: one every <see cref="LineInterval"/> and one at the end), nothing with <c>--quiet</c>.
/// The work reports how many of its <c>total</c> units are done.
/// </summary>
internal static class ConsoleProgress
{
    public static TimeSpan LineInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><c>--quiet</c>: no progress output (results are still printed).</summary>
    public static Option<bool> QuietOption() =>
        new("--quiet", "-q") { Description = "No progress output (results are still printed)" };

    /// <summary><see cref="RunAsync{T}"/> for synchronous work.</summary>
    public static T Run<T>(TextWriter output, bool quiet, string what, int total, Func<IProgress<int>, T> work) =>
        RunAsync(output, quiet, what, total, progress => Task.FromResult(work(progress))).GetAwaiter().GetResult();

    /// <summary>Runs <paramref name="work"/>, showing how many of its <paramref name="total"/> units it has done
    /// (reports may come from any thread).</summary>
    public static async Task<T> RunAsync<T>(
        TextWriter output,
        bool quiet,
        string what,
        int total,
        Func<IProgress<int>, Task<T>> work
    )
    {
        if (quiet || total <= 0)
            return await work(new Progress(_ => { }));
        if (IsTerminal(output))
        {
            var console = Terminal();
            T result = default!;
            await console
                .Progress()
                .AutoClear(true)
                .HideCompleted(true)
                .Columns(
                    new TaskDescriptionColumn(),
                    new ProgressBarColumn(),
                    new PercentageColumn(),
                    new RemainingTimeColumn(),
                    new ElapsedTimeColumn()
                )
                .StartAsync(async context =>
                {
                    var task = context.AddTask(what, maxValue: total);
                    result = await work(new Progress(done => task.Value = done));
                });
            return result;
        }
        var lines = new Lines(output, what, total);
        var value = await work(lines);
        lines.Finish();
        return value;
    }

    /// <summary>Whether <paramref name="output"/> is the process's standard error on a terminal (a live bar is shown
    /// there; plain lines anywhere else).</summary>
    public static bool IsTerminal(TextWriter output) =>
        ReferenceEquals(output, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>Spectre Console on standard error.</summary>
    public static IAnsiConsole Terminal() =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Lines written while a live bar is shown go through its console, which prints them above the bar
    /// instead of through it.</summary>
    internal sealed class AboveTheBar(IAnsiConsole console) : TextWriter
    {
        private readonly System.Text.StringBuilder _line = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            if (value == '\n')
            {
                console.WriteLine(_line.ToString().TrimEnd('\r'));
                _line.Clear();
            }
            else
                _line.Append(value);
        }
    }

    /// <summary>Reports on the calling thread (IProgress&lt;T&gt;'s default class posts to the thread pool: lines
    /// would come late and out of order).</summary>
    private sealed class Progress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    /// <summary>Plain lines: "what: done/total (p %), elapsed, about N s left".</summary>
    internal sealed class Lines(TextWriter output, string what, int total) : IProgress<int>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _last;
        private int _done;

        private readonly Lock _gate = new();

        public void Report(int value)
        {
            lock (_gate)
            {
                _done = value;
                if (_clock.Elapsed - _last < LineInterval || value >= total)
                    return;
                _last = _clock.Elapsed;
                output.WriteLine(Line());
            }
        }

        public void Finish() =>
            output.WriteLine(
                string.Create(CultureInfo.InvariantCulture, $"{what}: {_done}/{total} done in {Format(_clock.Elapsed)}")
            );

        private string Line()
        {
            double elapsed = _clock.Elapsed.TotalSeconds;
            string left =
                _done > 0
                    ? $"about {Format(TimeSpan.FromSeconds(elapsed / _done * (total - _done)))} left"
                    : "time left not known yet";
            return string.Create(
                CultureInfo.InvariantCulture,
                $"{what}: {_done}/{total} ({100.0 * _done / total:0} %), {Format(_clock.Elapsed)} elapsed, {left}"
            );
        }

        private static string Format(TimeSpan t) =>
            t.TotalHours >= 1 ? $"{(int)t.TotalHours}h {t.Minutes:00}m"
            : t.TotalMinutes >= 1 ? $"{t.Minutes}m {t.Seconds:00}s"
            : $"{t.TotalSeconds:0.0} s";
    }
}
