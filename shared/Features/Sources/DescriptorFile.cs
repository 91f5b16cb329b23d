namespace FeatureInversion.Features.Sources;

/// <summary>What a descriptor file holds: the images it could be read for, and why others could not (one bad image
/// never hides the rest).</summary>
public sealed record DescriptorFile(
    string Source,
    IReadOnlyList<KeypointSet> Images,
    IReadOnlyList<RefusedImage> Refused
);

public sealed record RefusedImage(string Name, string Reason);

/// <summary>What a descriptor file may cost: bounds checked before anything is allocated from its numbers.</summary>
public sealed record DescriptorLimits
{
    /// <summary>Most keypoints per image (COLMAP's default extraction keeps at most 8,192).</summary>
    public int MaxKeypoints { get; init; } = 1_000_000;

    /// <summary>Most images read from one file.</summary>
    public int MaxImages { get; init; } = 100_000;

    /// <summary>Longest image side a file may state.</summary>
    public int MaxSide { get; init; } = 65_536;

    public static DescriptorLimits Default { get; } = new();

    /// <summary>Refuses an image size outside 1 to <see cref="MaxSide"/>, naming the file.</summary>
    public void CheckSize(string name, int width, int height)
    {
        if (width < 1 || height < 1 || width > MaxSide || height > MaxSide)
            throw new InvalidDataException($"{name}: an image size of {width}x{height} is outside 1 to {MaxSide}.");
    }
}
