// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer;

/// <summary>Compare-ImageHash's result.</summary>
public sealed class HashComparison
{
    internal HashComparison(string referenceHash, string differenceHash, int distance, int bits, string? reference, string? difference)
    {
        ReferenceHash = referenceHash;
        DifferenceHash = differenceHash;
        Distance = distance;
        Bits = bits;
        Reference = reference;
        Difference = difference;
    }

    /// <summary>Number of differing bits (Hamming distance).</summary>
    public int Distance { get; }

    /// <summary>Hash length in bits (64 or 256).</summary>
    public int Bits { get; }

    /// <summary>1 - Distance / Bits: 1 for identical hashes, about 0.5 for unrelated images.</summary>
    public double Similarity => 1.0 - ((double)Distance / Bits);

    /// <summary>The reference hash, as hex.</summary>
    public string ReferenceHash { get; }

    /// <summary>The other hash, as hex.</summary>
    public string DifferenceHash { get; }

    /// <summary>The reference image's path or key, when an object was compared.</summary>
    public string? Reference { get; }

    /// <summary>The other image's path or key, when an object was compared.</summary>
    public string? Difference { get; }
}
