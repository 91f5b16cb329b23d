using FeatureInversion.Models;
using static TorchSharp.torch;

namespace FeatureInversion.Decoders.Platform;

/// <summary>
/// A slow, obviously correct forward pass of a decoder network in float64 with plain loops: the reference
/// against which libtorch's (oneDNN's) kernels are checked. Definitions as PyTorch documents them: Conv2d
/// out[o,y,x] = b[o] + Σ w[o,i,ky,kx]·in[i, y·s−p+ky, x·s−p+kx]; ConvTranspose2d scatters in[i,y,x]·w[i,o,ky,kx] to
/// out[o, y·s−p+ky, x·s−p+kx]; Linear y = W·x + b on the C-order flattened input; leaky ReLU 0.2 after every layer
/// but the last; +0.5 at the end (the network's centred output).
/// </summary>
public static class ReferenceForward
{
    /// <summary>Items (each C × h × w, C order) through the whole network of <paramref name="spec"/> with the
    /// parameters of <paramref name="network"/> (a DecoderNetwork of that spec); returns 3 × S × S per item. The
    /// parameters are read once for all of them.</summary>
    public static List<double[]> Run(DecoderSpec spec, nn.Module network, IEnumerable<float[]> inputs)
    {
        var weights = Parameters(network);
        return inputs.Select(input => Run(spec, weights, input)).ToList();
    }

    private static double[] Run(DecoderSpec spec, Dictionary<string, double[]> weights, ReadOnlySpan<float> input)
    {
        var outputs = new Dictionary<string, (double[] Data, int Channels, int Size)>
        {
            ["input"] = (Array.ConvertAll(input.ToArray(), v => (double)v), spec.Input.Channels, spec.Input.Rows),
        };
        if (spec.Input.Rows != spec.Input.Cols && spec.Layers[0].Kind != LayerKind.Fc)
            throw new NotSupportedException("The reference takes square feature maps.");
        (double[] Data, int Channels, int Size) x = (outputs["input"].Data, 0, 0);
        foreach (var l in spec.Layers)
        {
            var parts = l.Inputs.Select(i => outputs[i]).ToList();
            var data = parts.Count == 1 ? parts[0].Data : parts.SelectMany(p => p.Data).ToArray();
            int channels = parts.Sum(p => p.Channels),
                size = parts[0].Size;
            var w = weights[$"layers.{l.Name}.weight"];
            var b = weights[$"layers.{l.Name}.bias"];
            x = l.Kind switch
            {
                LayerKind.Conv => Conv2d(data, channels, size, w, b, l.OutChannels, l.Kernel, l.Stride, l.Padding),
                LayerKind.UpConv => ConvTranspose2d(
                    data,
                    channels,
                    size,
                    w,
                    b,
                    l.OutChannels,
                    l.Kernel,
                    l.Stride,
                    l.Padding,
                    l.OutputPadding
                ),
                _ => (Linear(data, w, b), l.OutChannels, l.OutSize),
            };
            if (l.Activation)
                LeakyRelu(x.Data, 0.2);
            outputs[l.Name] = x;
        }
        for (int i = 0; i < x.Data.Length; i++)
            x.Data[i] += 0.5;
        return x.Data;
    }

    /// <summary>The network's parameters by state-dictionary name, as float64 arrays in C order.</summary>
    public static Dictionary<string, double[]> Parameters(nn.Module network)
    {
        var result = new Dictionary<string, double[]>();
        foreach (var (name, p) in network.named_parameters())
        {
            using var cpu = p.detach().cpu().contiguous();
            result[name] = Array.ConvertAll(cpu.data<float>().ToArray(), v => (double)v);
        }
        return result;
    }

    public static (double[] Data, int Channels, int Size) Conv2d(
        double[] input,
        int inChannels,
        int size,
        double[] weight,
        double[] bias,
        int outChannels,
        int kernel,
        int stride,
        int padding
    )
    {
        int outSize = (size + 2 * padding - kernel) / stride + 1;
        var output = new double[outChannels * outSize * outSize];
        for (int o = 0; o < outChannels; o++)
        for (int y = 0; y < outSize; y++)
        for (int x = 0; x < outSize; x++)
        {
            double sum = bias[o];
            for (int i = 0; i < inChannels; i++)
            for (int ky = 0; ky < kernel; ky++)
            {
                int iy = y * stride - padding + ky;
                if (iy < 0 || iy >= size)
                    continue;
                for (int kx = 0; kx < kernel; kx++)
                {
                    int ix = x * stride - padding + kx;
                    if (ix < 0 || ix >= size)
                        continue;
                    sum +=
                        weight[((o * inChannels + i) * kernel + ky) * kernel + kx] * input[(i * size + iy) * size + ix];
                }
            }
            output[(o * outSize + y) * outSize + x] = sum;
        }
        return (output, outChannels, outSize);
    }

    public static (double[] Data, int Channels, int Size) ConvTranspose2d(
        double[] input,
        int inChannels,
        int size,
        double[] weight,
        double[] bias,
        int outChannels,
        int kernel,
        int stride,
        int padding,
        int outputPadding
    )
    {
        int outSize = (size - 1) * stride - 2 * padding + kernel + outputPadding;
        var output = new double[outChannels * outSize * outSize];
        for (int o = 0; o < outChannels; o++)
            Array.Fill(output, bias[o], o * outSize * outSize, outSize * outSize);
        for (int i = 0; i < inChannels; i++)
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
        {
            double v = input[(i * size + y) * size + x];
            for (int o = 0; o < outChannels; o++)
            for (int ky = 0; ky < kernel; ky++)
            {
                int oy = y * stride - padding + ky;
                if (oy < 0 || oy >= outSize)
                    continue;
                for (int kx = 0; kx < kernel; kx++)
                {
                    int ox = x * stride - padding + kx;
                    if (ox < 0 || ox >= outSize)
                        continue;
                    output[(o * outSize + oy) * outSize + ox] +=
                        v * weight[((i * outChannels + o) * kernel + ky) * kernel + kx];
                }
            }
        }
        return (output, outChannels, outSize);
    }

    public static double[] Linear(double[] input, double[] weight, double[] bias)
    {
        var output = new double[bias.Length];
        for (int o = 0; o < output.Length; o++)
        {
            double sum = bias[o];
            for (int i = 0; i < input.Length; i++)
                sum += weight[(long)o * input.Length + i] * input[i];
            output[o] = sum;
        }
        return output;
    }

    private static void LeakyRelu(double[] x, double slope)
    {
        for (int i = 0; i < x.Length; i++)
            if (x[i] < 0)
                x[i] *= slope;
    }
}
