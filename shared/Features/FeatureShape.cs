namespace FeatureInversion.Features;

/// <summary>Shape of a dense feature map in channels × rows × cols (C order) layout.</summary>
public readonly record struct FeatureShape(int Channels, int Rows, int Cols)
{
    public int Length => checked(Channels * Rows * Cols);

    public override string ToString() => $"{Channels}x{Rows}x{Cols}";
}
