namespace FeatureInversion.Imaging.IO;

/// <summary>A .npy array read as float32, with the type it was stored as (numpy's name: float32, float64, uint8,
/// with "big-endian" where it was).</summary>
public sealed record NpyArray(float[] Data, int[] Shape, string StoredAs)
{
    /// <summary>Null when the file held little-endian float32; else a note for the user ("float64 converted to
    /// float32").</summary>
    public string? Conversion => StoredAs == "float32" ? null : $"{StoredAs} converted to float32";
}
