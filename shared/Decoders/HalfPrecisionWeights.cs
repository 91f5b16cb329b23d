using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using FeatureInversion.Models;
using static TorchSharp.torch;

namespace FeatureInversion.Decoders;

/// <summary>
/// A network's weights in half precision (IEEE 754 binary16, round to nearest even: 11 significant bits, a relative
/// error of at most 2⁻¹¹), split into files of at most a given size: what a run on a lent GPU machine brings back,
/// whose output files are limited to 16 MiB each (docs/gpu.md). A resumed run continues from the rounded weights.
/// The format needs no TorchSharp to read (numpy: <c>np.frombuffer(b"".join(parts), "&lt;f2")</c>):
/// <list type="bullet">
/// <item><c>weights-f16.json</c>: the format, the parts (file, bytes, SHA-256) and the tensors (state-dictionary
/// name, shape, offset in values), in the order their values are stored;</item>
/// <item><c>weights-f16.000</c>, <c>.001</c>, …: the values, little-endian, concatenated, cut every part
/// size.</item>
/// </list>
/// A part missing, short or altered, a tensor the network does not have (or lacks), a shape that differs, or a value
/// that half precision cannot hold (beyond ±65504) is refused with the reason.
/// </summary>
public static class HalfPrecisionWeights
{
    public const string IndexFileName = DecoderManifest.HalfWeightsIndexFileName;
    public const string Format = "float16-parts-1";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, IndexFileName));

    /// <summary>The part files of the weights in <paramref name="directory"/>, as its index lists them.</summary>
    public static IReadOnlyList<string> PartFiles(string directory) =>
        [.. ReadIndex(directory).Parts.Select(p => Path.Combine(directory, p.File))];

    /// <summary>Writes <paramref name="module"/>'s state dictionary in half precision, in parts of at most
    /// <paramref name="partBytes"/> bytes, then the index (last, so an index always describes whole parts); parts
    /// left from an earlier, longer save are removed. Returns the index's path.</summary>
    public static string Save(nn.Module module, string directory, long partBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partBytes, 2);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("half-precision parts are written little-endian");
        partBytes -= partBytes % 2; // whole values per part
        Directory.CreateDirectory(directory);
        var state = module.state_dict();
        var values = new Half[state.Values.Sum(t => t.numel())];
        var tensors = new List<TensorEntry>();
        long offset = 0;
        using var scope = NewDisposeScope(); // detach/to/contiguous each make a tensor
        foreach (var (name, tensor) in state)
        {
            if (!tensor.is_floating_point())
                throw new InvalidDataException($"{name}: {tensor.dtype} values do not travel in half precision.");
            var floats = tensor.detach().to(ScalarType.Float32, CPU).contiguous();
            Round(name, floats.data<float>().ToArray(), values.AsSpan((int)offset, (int)floats.numel()));
            tensors.Add(new TensorEntry(name, tensor.shape, offset));
            offset += floats.numel();
        }

        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        var parts = new List<PartEntry>();
        for (long start = 0, n = 0; start < bytes.Length || n == 0; start += partBytes, n++)
        {
            var part = bytes.Slice((int)start, (int)Math.Min(partBytes, bytes.Length - start));
            string file = PartName(n);
            File.WriteAllBytes(Path.Combine(directory, file), part);
            parts.Add(new PartEntry(file, part.Length, Convert.ToHexStringLower(SHA256.HashData(part))));
        }
        for (int n = parts.Count; File.Exists(Path.Combine(directory, PartName(n))); n++)
            File.Delete(Path.Combine(directory, PartName(n)));
        string index = Path.Combine(directory, IndexFileName);
        File.WriteAllText(index + ".new", JsonSerializer.Serialize(new Index(Format, parts, tensors), Json));
        File.Move(index + ".new", index, overwrite: true);
        return index;
    }

    /// <summary>Loads the weights in <paramref name="directory"/> into <paramref name="module"/> (its parameters keep
    /// their type and device), after checking every part against the index.</summary>
    public static void Load(nn.Module module, string directory)
    {
        var index = ReadIndex(directory);
        var bytes = new MemoryStream();
        foreach (var part in index.Parts)
        {
            string path = Path.Combine(directory, part.File);
            if (!File.Exists(path))
                throw new FileNotFoundException(
                    $"{directory}: part {part.File} of the half-precision weights is missing."
                );
            byte[] data = File.ReadAllBytes(path);
            if (data.Length != part.Bytes || Convert.ToHexStringLower(SHA256.HashData(data)) != part.Sha256)
                throw new InvalidDataException(
                    $"{path}: {data.Length} bytes, not the {part.Bytes} its index records, or altered "
                        + "(SHA-256 differs)."
                );
            bytes.Write(data);
        }
        var all = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(
            bytes.GetBuffer().AsSpan(0, (int)bytes.Length)
        );

        var state = module.state_dict();
        var stored = index.Tensors.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var missing = state.Keys.Where(k => !stored.Contains(k)).ToList();
        var extra = index.Tensors.Where(t => !state.ContainsKey(t.Name)).Select(t => t.Name).ToList();
        if (missing.Count > 0 || extra.Count > 0)
            throw new InvalidDataException(
                $"{directory}: the half-precision weights are not this network's (missing: "
                    + $"{string.Join(", ", missing.DefaultIfEmpty("none"))}; not in the network: "
                    + $"{string.Join(", ", extra.DefaultIfEmpty("none"))})."
            );
        using var noGrad = no_grad();
        using var scope = NewDisposeScope(); // the float tensor and its copy on the target's device and type
        foreach (var entry in index.Tensors)
        {
            var target = state[entry.Name];
            if (!target.shape.SequenceEqual(entry.Shape))
                throw new InvalidDataException(
                    $"{directory}: {entry.Name} is [{string.Join(", ", entry.Shape)}] in the weights, "
                        + $"[{string.Join(", ", target.shape)}] in the network."
                );
            long count = entry.Shape.Aggregate(1L, (a, b) => a * b);
            if (entry.Offset < 0 || entry.Offset + count > all.Length)
                throw new InvalidDataException(
                    $"{directory}: {entry.Name} lies beyond the parts' {all.Length} values."
                );
            var floats = new float[count];
            var source = all.Slice((int)entry.Offset, (int)count);
            for (int i = 0; i < floats.Length; i++)
                floats[i] = (float)source[i];
            target.copy_(tensor(floats, entry.Shape).to(target.dtype, target.device));
        }
    }

    private static void Round(string name, float[] values, Span<Half> half)
    {
        for (int i = 0; i < values.Length; i++)
        {
            half[i] = (Half)values[i];
            if (!Half.IsFinite(half[i]))
                throw new InvalidDataException(
                    $"{name}: value {values[i]} at {i} is beyond half precision's range (±65504) or not finite."
                );
        }
    }

    private static string PartName(long n) => $"weights-f16.{n:D3}";

    private static Index ReadIndex(string directory)
    {
        string path = Path.Combine(directory, IndexFileName);
        Index? index;
        try
        {
            index = JsonSerializer.Deserialize<Index>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a half-precision weights index ({e.Message}).", e);
        }
        if (index is null || index.Format != Format || index.Parts is null || index.Tensors is null)
            throw new InvalidDataException($"{path}: not a '{Format}' index.");
        if (
            index.Parts.Any(p =>
                p.File is null
                || Path.GetFileName(p.File) != p.File
                || !p.File.StartsWith("weights-f16.", StringComparison.Ordinal)
            )
        )
            throw new InvalidDataException($"{path}: a part is not a weights-f16.NNN file of this folder.");
        return index;
    }

    private sealed record Index(string Format, List<PartEntry> Parts, List<TensorEntry> Tensors);

    private sealed record PartEntry(string File, long Bytes, string Sha256);

    private sealed record TensorEntry(string Name, long[] Shape, long Offset);
}
