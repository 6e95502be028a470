// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer.Engine.Hashing;

/// <summary>The one hashing pipeline every cmdlet shares: decode, then the requested hashes. Thread-safe.</summary>
public sealed class ImageHasher
{
    /// <summary>Hashes one encoded image. Throws <see cref="ImageProcessingException"/> for images that cannot be hashed.</summary>
    public ImageHashResult Hash(ReadOnlyMemory<byte> encoded, HashRequest request, CancellationToken cancellationToken = default)
        => throw new NotImplementedException("hashing core: issue #3");

    /// <summary>Hashes a local file (reads it whole: images are decoded from memory).</summary>
    public ImageHashResult HashFile(string path, HashRequest request, CancellationToken cancellationToken = default)
        => Hash(File.ReadAllBytes(path), request, cancellationToken);
}
