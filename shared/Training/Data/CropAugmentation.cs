using System.Globalization;

namespace FeatureInversion.Training.Data;

/// <summary>
/// How training crops are varied beyond their random position, scale and mirror (issue 32's what-moves-the-error
/// study). Each is off at 0, and off draws nothing from the crop stream, so a run without them draws exactly the
/// crops it drew before they existed.
/// </summary>
/// <param name="ColorJitter">Probability that a crop's chroma is rotated and rescaled, its luminance kept
/// (<see cref="ChromaJitter"/>).</param>
/// <param name="RotationDegrees">Largest rotation: each crop is turned by a uniform angle in ±this about its centre
/// (0 to <see cref="MaxRotationDegrees"/>).</param>
/// <param name="Photometric">Probability that a crop's contrast (×0.7–1.3 about its mean luminance) and brightness
/// (±0.1) change; unlike colour jitter this changes what the features see.</param>
public readonly record struct CropAugmentation(
    double ColorJitter = 0,
    double RotationDegrees = 0,
    double Photometric = 0
)
{
    public const double MaxRotationDegrees = 30;
    public const double MinContrast = 0.7,
        MaxContrast = 1.3,
        MaxBrightness = 0.1;

    /// <summary>How much larger than the crop the square holding it at any allowed angle is (cos θ + sin θ).</summary>
    public double Room
    {
        get
        {
            double t = RotationDegrees * Math.PI / 180;
            return Math.Cos(t) + Math.Sin(t);
        }
    }

    /// <summary>The first problem with the settings, or null.</summary>
    public string? Problem() =>
        ColorJitter is < 0 or > 1 || double.IsNaN(ColorJitter) ? "colour jitter must be a probability in [0, 1]"
        : RotationDegrees is < 0 or > MaxRotationDegrees || double.IsNaN(RotationDegrees)
            ? $"rotation must be 0 to {MaxRotationDegrees} degrees"
        : Photometric is < 0 or > 1 || double.IsNaN(Photometric) ? "photometric must be a probability in [0, 1]"
        : null;

    /// <summary>For manifests and logs: "colour jitter 0.5" and whichever others are on.</summary>
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"colour jitter {ColorJitter:0.##}")
        + (
            RotationDegrees > 0
                ? string.Create(CultureInfo.InvariantCulture, $", rotation ±{RotationDegrees:0.#}°")
                : ""
        )
        + (Photometric > 0 ? string.Create(CultureInfo.InvariantCulture, $", photometric {Photometric:0.##}") : "");
}
