using Xunit.Abstractions;

namespace FeatureInversion.Tests.Reliability;

/// <summary>A fault test with its own temporary folder (removed afterwards) and the test's output for measured
/// figures.</summary>
public abstract class FaultTest(string prefix, ITestOutputHelper output) : IDisposable
{
    protected string Dir { get; } = Directory.CreateTempSubdirectory(prefix).FullName;
    protected ITestOutputHelper Output { get; } = output;

    public void Dispose()
    {
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
