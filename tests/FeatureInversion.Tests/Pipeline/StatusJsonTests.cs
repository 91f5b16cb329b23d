using System.Text.Json;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Gallery;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>Statuses are enums in code and the same lower-case words as before in every JSON the pipeline
/// writes.</summary>
public class StatusJsonTests
{
    [Fact]
    public void StatusesAreWrittenAndReadAsTheirLowerCaseNames()
    {
        var status = new ImageStatus(
            "b/x.jpg",
            JobStatus.Stalled,
            "id",
            null,
            null,
            [new RepresentationStatus("hog", "v1", JobStatus.Done, null, null, null)]
        );
        // The function app answers with the web defaults; records and reports use PipelineJson.
        foreach (
            var json in new[]
            {
                JsonSerializer.Serialize(status, JsonSerializerOptions.Web),
                System.Text.Encoding.UTF8.GetString(PipelineJson.Serialize(status)),
            }
        )
        {
            Assert.Contains("\"status\":", json.Replace(" ", ""));
            Assert.Contains("\"stalled\"", json);
            Assert.Contains("\"done\"", json);
        }
        // A report written before the enums (strings) reads into them.
        var row = PipelineJson.Deserialize<ImageRow>(
            """
            {"imageBlob":"b/x.jpg","status":"refused",
             "results":[{"representation":"hog","decoderVersion":"v","status":"failed"}]}
            """u8.ToArray()
        );
        Assert.Equal(UploadStatus.Refused, row.Status);
        Assert.Equal(JobStatus.Failed, row.Results.Single().Status);
        Assert.Equal(["pending", "stalled", "done", "failed"], Enum.GetValues<JobStatus>().Select(s => s.Name()));
        Assert.Equal(["accepted", "refused"], Enum.GetValues<UploadStatus>().Select(s => s.Name()));
    }
}
