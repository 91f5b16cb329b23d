namespace FeatureInversion.Features;

/// <summary>A dense feature map, channels × rows × cols in C order: value (c, y, x) is at <c>Data[(c * Rows + y) * Cols
/// + x]</c>.</summary>
public sealed class FeatureMap
{
    public FeatureMap(FeatureShape shape)
        : this(shape, new float[shape.Length]) { }

    public FeatureMap(FeatureShape shape, float[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != shape.Length)
            throw new ArgumentException(
                $"Feature map {shape} needs {shape.Length} values, got {data.Length}.",
                nameof(data)
            );
        Shape = shape;
        Data = data;
    }

    public FeatureShape Shape { get; }

    public float[] Data { get; }

    public float this[int channel, int row, int col] => Data[(channel * Shape.Rows + row) * Shape.Cols + col];

    public ReadOnlySpan<float> Channel(int channel) =>
        Data.AsSpan(channel * Shape.Rows * Shape.Cols, Shape.Rows * Shape.Cols);
}
