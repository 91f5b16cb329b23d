using static TorchSharp.torch;

namespace FeatureInversion.Decoders;

/// <summary>
/// A decoder's layers by name, registered as its children so that checkpoints keep the keys
/// <c>layers.&lt;name&gt;.weight</c>. Not TorchSharp's <c>ModuleDict</c>: its two indexers (by key and by position)
/// are two properties named <c>Item</c>, and <c>Module._toEpilog</c> (TorchSharp 0.107) puts a module's properties
/// in a dictionary by name, so moving a network that holds one to another device or dtype (<c>to(CUDA)</c>,
/// <c>to(bfloat16)</c>) threw "An item with the same key has already been added. Key: Item". No decoder could run
/// on a GPU until this replaced it (docs/gpu.md).
/// </summary>
internal sealed class LayerTable : nn.Module
{
    private readonly Dictionary<string, nn.Module<Tensor, Tensor>> _byName = new(StringComparer.Ordinal);

    public LayerTable()
        : base(nameof(LayerTable)) { }

    public void Add(string name, nn.Module<Tensor, Tensor> module)
    {
        _byName.Add(name, module); // a repeated name throws before anything is registered
        register_module(name, module);
    }

    public nn.Module<Tensor, Tensor> Get(string name) => _byName[name];
}
