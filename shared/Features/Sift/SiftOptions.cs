namespace FeatureInversion.Features.Sift;

/// <summary>
/// Settings of the DoG detector and SIFT descriptor, named and defaulted as VLFeat's <c>vl_sift</c>. The defaults
/// are the paper's: first octave 0, 3 levels per octave, octaves automatic, peak threshold 0, edge threshold 10,
/// magnification 3.
/// </summary>
public sealed record SiftOptions
{
    /// <summary>Index of the first octave: 0 starts at the input resolution, −1 doubles it, 1 halves it.</summary>
    public int FirstOctave { get; init; }

    /// <summary>Scale levels per octave (S).</summary>
    public int LevelsPerOctave { get; init; } = 3;

    /// <summary>Number of octaves; negative means max(⌊log2 min(W, H)⌋ − firstOctave − 3, 1).</summary>
    public int Octaves { get; init; } = -1;

    /// <summary>Minimum |DoG| of a refined extremum (on 0–255 intensities).</summary>
    public double PeakThreshold { get; init; }

    /// <summary>Edge rejection: keep when tr²/det &lt; (r + 1)² / r.</summary>
    public double EdgeThreshold { get; init; } = 10;

    /// <summary>Descriptors whose norm falls below this are zeroed; 0 keeps all.</summary>
    public double NormThreshold { get; init; }

    /// <summary>Descriptor spatial bin size in units of the keypoint scale.</summary>
    public double Magnification { get; init; } = 3;

    /// <summary>Gaussian window of the descriptor, in spatial bins.</summary>
    public double WindowSize { get; init; } = 2;

    public void Validate()
    {
        if (LevelsPerOctave < 1)
            throw new ArgumentOutOfRangeException(
                nameof(LevelsPerOctave),
                LevelsPerOctave,
                "Need at least one level per octave."
            );
        if (FirstOctave < -3 || FirstOctave > 8)
            throw new ArgumentOutOfRangeException(nameof(FirstOctave), FirstOctave, "First octave must be in -3..8.");
        if (PeakThreshold < 0 || EdgeThreshold <= 0 || NormThreshold < 0 || Magnification <= 0 || WindowSize <= 0)
            throw new ArgumentException(
                "SIFT thresholds must be non-negative and edge threshold, magnification and window size positive."
            );
    }
}
