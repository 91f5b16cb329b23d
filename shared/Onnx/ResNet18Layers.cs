namespace FeatureInversion.Onnx;

/// <summary>
/// The layers of the ImageNet-trained ResNet18 shipped in NuGet <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>
/// 0.23.1 (CNTK export; input 1×3×224×224 BGR minus the mean image of <c>ResNetPreprocess.onnx</c>) by the names
/// of their ONNX values: conv1 (after BN and ReLU), pool1 (after the 3×3 max pool), res2…res5 (output of each
/// residual stage) and pool5 (the 512-d average pool, the graph's output).
/// </summary>
public static class ResNet18Layers
{
    public static IReadOnlyDictionary<string, string> All { get; } =
        new Dictionary<string, string>
        {
            ["conv1"] = "ReLU253_Output_0",
            ["pool1"] = "Pooling255_Output_0",
            ["res2"] = "ReLU283_Output_0",
            ["res3"] = "ReLU315_Output_0",
            ["res4"] = "ReLU347_Output_0",
            ["res5"] = "ReLU393_Output_0",
            ["pool5"] = "Pooling395_Output_0",
        };
}
