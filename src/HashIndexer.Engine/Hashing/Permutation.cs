// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using HashIndexer.Engine.Imaging;

namespace HashIndexer.Engine.Hashing;

/// <summary>
/// An advanced-mode variation of the resized grayscale image, hashed into the column <c>&lt;Name&gt;_hash</c>.
/// </summary>
public sealed record Permutation(string Name, string Kind, double Amount)
{
    internal PixelImage Apply(PixelImage small) => throw new NotImplementedException();
}
