// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer.Engine.Hashing;

/// <summary>
/// An advanced-mode variation of the resized grayscale image, hashed into the column <c>&lt;Name&gt;_hash</c>.
/// (Placeholder shape; the hashing core defines the kinds, values and parsing.)
/// </summary>
public sealed record Permutation(string Name, string Kind, double Amount);
