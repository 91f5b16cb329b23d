using System.Globalization;
using CsCheck;
using FeatureInversion.Imaging.IO;
using FeatureInversion.Pipeline;
using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Tests.Properties;

/// <summary>Property-based tests (CsCheck) of the rules every untrusted name and .npy file meets (issue 29).</summary>
public class NameAndNpyProperties
{
    /// <summary>Names from characters that matter: separators, dots, backslash, controls, bidi and other format
    /// characters, letters.</summary>
    private static readonly Gen<string> Names = Gen.OneOf(
            Gen.Const('/'),
            Gen.Const('.'),
            Gen.Const('\\'),
            Gen.Const('\t'),
            Gen.Const('\n'),
            Gen.Const('\u202E'),
            Gen.Const('\u200B'),
            Gen.Const(' '),
            Gen.Char['a', 'z'],
            Gen.Char['\u00C0', '\u024F'],
            Gen.Char['\u3040', '\u30FF']
        )
        .Array[0, 40]
        .Select(chars => new string(chars));

    [Fact]
    public void AValidNameHasNoCharacterOrSegmentThatStoresTreatDifferently()
    {
        Names.Sample(
            name =>
            {
                if (BlobNames.Problem(name) is not null)
                    return;
                Assert.DoesNotContain(name, c =>
                    char.IsControl(c) || c == '\\' || char.GetUnicodeCategory(c) == UnicodeCategory.Format
                );
                Assert.All(name.Split('/'), segment => Assert.True(segment is not ("" or "." or ".."), $"'{name}'"));
            },
            iter: 5000
        );
    }

    [Fact]
    public void TheSafeNameOfAnyNameIsValidAndItsEscapedFormShowsNoInvisibleCharacter()
    {
        Gen.String.Sample(
            name =>
            {
                Assert.Null(BlobNames.Problem(BlobNames.SafeName(name)));
                Assert.Equal(BlobNames.SafeName(name), BlobNames.SafeName(name));
                Assert.DoesNotContain(BlobNames.Escape(name), c =>
                    char.IsControl(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format
                );
            },
            iter: 2000
        );
        Names.Sample(name => Assert.Null(BlobNames.Problem(BlobNames.SafeName("batch/" + name))), iter: 2000);
    }

    [Fact]
    public async Task EveryValidNameStaysInsideItsContainerOnTheLocalStore()
    {
        string root = Path.Combine(Path.GetTempPath(), "fi-names-" + Guid.NewGuid().ToString("N"));
        var store = new LocalBlobStore(root);
        await store.EnsureContainersAsync(["c"]);
        try
        {
            var names = new List<string>();
            // Valid names are rare among arbitrary strings: build them from segments of dots, spaces, letters and long
            // runs.
            var segment = Gen.OneOf(
                    Gen.Const('.'),
                    Gen.Const(' '),
                    Gen.Char['a', 'z'],
                    Gen.Char['\u00C0', '\u024F'],
                    Gen.Char['\u3040', '\u30FF']
                )
                .Array[3, 90]
                .Select(chars => new string(chars)); // 3 or more: two names never use one segment as file and folder
            segment
                .Array[1, 4]
                .Select(parts => string.Join('/', parts))
                .Sample(
                    n =>
                    {
                        if (BlobNames.Problem(n) is null)
                            names.Add(n);
                    },
                    iter: 300
                );
            foreach (var name in names.Distinct())
            {
                await store.WriteAsync("c", name, new byte[] { 1 }, ContentTypes.Binary, overwrite: true);
                Assert.Equal(new byte[] { 1 }, await store.TryReadAsync("c", name));
            }
            Assert.All(Directory.EnumerateFileSystemEntries(root), e =>
                Assert.Contains(Path.GetFileName(e), new[] { "c", ".tmp" })
            );
        }
        finally
        {
            if (Directory.Exists(root))
                Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void AnyFloat32ArrayRoundTripsThroughNpyAndToBytesWritesTheSameFile()
    {
        Gen.Int[0, 5]
            .Array[0, 4]
            .SelectMany(shape =>
                Gen.Single[-1e6f, 1e6f].Array[shape.Aggregate(1, (a, b) => a * b)].Select(data => (shape, data))
            )
            .Sample(
                t =>
                {
                    using var stream = new MemoryStream();
                    NpyFile.Write(stream, t.data, t.shape);
                    Assert.Equal(stream.ToArray(), NpyFile.ToBytes(t.data, t.shape));
                    stream.Position = 0;
                    var (data, shape) = NpyFile.Read(stream, "p.npy");
                    Assert.Equal(t.shape, shape);
                    Assert.Equal(t.data, data);
                },
                iter: 500
            );
    }

    [Fact]
    public void AnyCorruptionOfANpyFileIsReadOrRefusedWithInvalidDataNeverAnotherException()
    {
        using var valid = new MemoryStream();
        NpyFile.Write(valid, Enumerable.Range(0, 31 * 8 * 8).Select(i => i / 100f).ToArray(), 31, 8, 8);
        var bytes = valid.ToArray();
        Gen.Select(Gen.Int[0, bytes.Length - 1].Array[1, 8], Gen.Byte.Array[8], Gen.Int[0, bytes.Length])
            .Sample(
                t =>
                {
                    var (positions, values, cut) = t;
                    var mutated = bytes[..cut];
                    for (int i = 0; i < positions.Length; i++)
                        if (positions[i] < mutated.Length)
                            mutated[positions[i]] = values[i];
                    try
                    {
                        NpyFile.Read(new MemoryStream(mutated), "m.npy");
                    }
                    catch (InvalidDataException) { }
                },
                iter: 3000
            );
    }

    [Fact]
    public void HeaderKeysInAnyOrderWithEitherQuotesAndAnySpacingReadTheSame()
    {
        var data = Enumerable.Range(0, 6).Select(i => (float)i).ToArray();
        Gen.Select(Gen.Int[0, 5], Gen.Bool, Gen.Int[0, 3], Gen.Bool)
            .Sample(
                t =>
                {
                    var (order, doubleQuotes, spaces, trailingComma) = t;
                    string q = doubleQuotes ? "\"" : "'",
                        sp = new string(' ', spaces);
                    string[] items =
                    [
                        $"{q}descr{q}:{sp}{q}<f4{q}",
                        $"{q}fortran_order{q}:{sp}False",
                        $"{q}shape{q}:{sp}(2,{sp}3)",
                    ];
                    int[][] orders =
                    [
                        [0, 1, 2],
                        [0, 2, 1],
                        [1, 0, 2],
                        [1, 2, 0],
                        [2, 0, 1],
                        [2, 1, 0],
                    ];
                    string header =
                        "{"
                        + string.Join("," + sp, orders[order].Select(i => items[i]))
                        + (trailingComma ? ", " : "")
                        + "}";
                    var h = System.Text.Encoding.ASCII.GetBytes(header + "\n");
                    byte[] file =
                    [
                        0x93,
                        .. "NUMPY"u8,
                        1,
                        0,
                        (byte)h.Length,
                        0,
                        .. h,
                        .. data.SelectMany(BitConverter.GetBytes),
                    ];
                    var (read, shape) = NpyFile.Read(new MemoryStream(file), "h.npy");
                    Assert.Equal([2, 3], shape);
                    Assert.Equal(data, read);
                },
                iter: 300
            );
    }
}
