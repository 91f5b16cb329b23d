using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: Xunit.TestFramework("FeatureInversion.Tests.TestRunFramework", "FeatureInversion.Tests")]

namespace FeatureInversion.Tests;

/// <summary>xunit's own framework, with the run's temporary folder emptied once the last test and the last fixture
/// are done and before the runner hears that the assembly has finished: the runner stops the test host soon after,
/// and a deletion at process exit or at the framework's disposal was cut off (one measured run kept 89 MB).
/// xunit 2 has no assembly-wide fixture; a test framework is its extension point for one.</summary>
public sealed class TestRunFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Executor(AssemblyName name, ISourceInformationProvider source, IMessageSink diagnostics)
        : XunitTestFrameworkExecutor(name, source, diagnostics)
    {
        protected override void RunTestCases(
            IEnumerable<IXunitTestCase> testCases,
            IMessageSink executionMessageSink,
            ITestFrameworkExecutionOptions executionOptions
        ) => base.RunTestCases(testCases, new EmptyTempWhenFinished(executionMessageSink), executionOptions);
    }

    private sealed class EmptyTempWhenFinished(IMessageSink inner) : LongLivedMarshalByRefObject, IMessageSink
    {
        public bool OnMessage(IMessageSinkMessage message)
        {
            if (message is ITestAssemblyFinished)
                TestTemp.Empty();
            return inner.OnMessage(message);
        }
    }
}
