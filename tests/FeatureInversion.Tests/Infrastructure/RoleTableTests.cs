namespace FeatureInversion.Tests.Infrastructure;

/// <summary>The role table of docs/pipeline.md is the one main.bicep deploys (issue 24).</summary>
public class RoleTableTests
{
    [Fact]
    public void TheDocumentedRoleTableIsTheDeployedOne()
    {
        var bicep = RoleTable.FromBicep();
        var docs = RoleTable.FromDocs();
        Assert.True(bicep.Count >= 20, $"only {bicep.Count} rows parsed from main.bicep's roleTable");
        Assert.Equal(bicep.Count, bicep.Distinct().Count());
        Assert.Empty(bicep.Except(docs)); // deployed, not documented
        Assert.Empty(docs.Except(bicep)); // documented, not deployed
        Assert.Equal(bicep.Count, docs.Count);
    }

    [Fact]
    public void EveryRoleKeyOfTheTableIsDefinedInMainBicep()
    {
        string bicep = File.ReadAllText(Path.Combine(TestData.Root, "infra", "main.bicep"));
        string roles = bicep[bicep.IndexOf("var roles = {", StringComparison.Ordinal)..];
        roles = roles[..roles.IndexOf('}', StringComparison.Ordinal)];
        foreach (var role in RoleTable.FromBicep().Select(r => r.Role).Distinct())
            Assert.Matches($@"\n\s+{role}: '[0-9a-f-]{{36}}'", roles);
    }

    [Fact]
    public void EveryHostPublishesTelemetryAndEveryImagePullerMayPull()
    {
        var rows = RoleTable.FromBicep();
        foreach (var host in new[] { "functions", "worker", "trainer" })
            Assert.Contains(new RoleRow(host, "metricsPublisher", "insights", ""), rows);
        foreach (var host in new[] { "worker", "trainer" })
            Assert.Contains(new RoleRow(host, "acrPull", "registry", ""), rows);
        // KEDA's scaler reads the message count: Manage rights, on the job queue only (issue 24, item 1).
        Assert.Contains(new RoleRow("scaler", "serviceBusOwner", "jobQueue", "reconstruction-jobs"), rows);
        Assert.DoesNotContain(rows, r => r.Identity == "worker" && r.Role == "serviceBusOwner");
    }
}
