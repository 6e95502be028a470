// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using HashIndexer.Engine.Sources;

namespace HashIndexer.Commands;

/// <summary>One image to hash, whatever it came from (a local path, an S3 object, a job listing).</summary>
/// <param name="DisplayName">What errors and warnings name: the path, or s3://bucket/key.</param>
/// <param name="ImageName">The index's image_name: the local path, or the S3 key.</param>
/// <param name="Job">Its job folder, if any.</param>
/// <param name="S3">The listed S3 object (etag, size, last-modified), or null for local files.</param>
/// <param name="ReadAsync">Reads the encoded bytes (runs on a worker thread).</param>
internal sealed record ImageInput(
    string DisplayName,
    string ImageName,
    ImageJob? Job,
    ImageObject? S3,
    Func<CancellationToken, Task<ReadOnlyMemory<byte>>> ReadAsync)
{
    /// <summary>A local file; its bytes are read on the worker.</summary>
    public static ImageInput ForLocalFile(string fullPath, ImageJob? job) => new(
        fullPath,
        fullPath,
        job,
        null,
        async ct => await File.ReadAllBytesAsync(fullPath, ct).ConfigureAwait(false));
}
