// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer;

// Parameter types live in this assembly (not the engine) so that PowerShell can reflect over the
// cmdlets before the engine is loaded, and so that users see stable HashIndexer.* type names.

/// <summary>Whole-image algorithms, named after imagehash's functions.</summary>
public enum ImageHashAlgorithm
{
    /// <summary>DCT perceptual hash (imagehash.phash).</summary>
    PHash,

    /// <summary>Difference hash (imagehash.dhash).</summary>
    DHash,

    /// <summary>Average hash (imagehash.average_hash).</summary>
    AHash,

    /// <summary>Haar wavelet hash (imagehash.whash).</summary>
    WHash,

    /// <summary>SHA-256 of the file's bytes: exact duplicates.</summary>
    Sha256,
}

/// <summary>How images are decoded.</summary>
public enum DecodeMode
{
    /// <summary>Full-size decode: hashes equal Python imagehash's.</summary>
    Exact,

    /// <summary>JPEG scaled decode (1/2 to 1/8): several times faster; about 7% of hashes differ by 1-2 bits.</summary>
    Fast,
}

/// <summary>The original indexer's hashing.mode.</summary>
public enum HashMode
{
    /// <summary>original, h_flip and v_flip hashes.</summary>
    Basic,

    /// <summary>Basic plus the configured permutations (rotations, zoom, brightness, contrast).</summary>
    Advanced,
}
