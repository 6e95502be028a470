// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer.Engine.Sources;

/// <summary>A job folder: <c>&lt;root prefix&gt;&lt;job number&gt;/</c>, with the content of its optional url.txt.</summary>
/// <param name="JobNumber">The job folder's last segment.</param>
/// <param name="JobUrl">url.txt as UTF-8, BOM and surrounding whitespace removed; empty when absent.</param>
/// <param name="Container">The bucket name, or the local root folder.</param>
/// <param name="Prefix">The job's key prefix (ending in '/'), or the job folder's path for a local source.</param>
public sealed record ImageJob(string JobNumber, string JobUrl, string Container, string Prefix);

/// <summary>One image to hash, as listed (nothing downloaded yet).</summary>
/// <param name="Key">The S3 key, or the local file's full path: the index's image_name and the state's key.</param>
/// <param name="Job">The job it belongs to, or null for an image outside any job folder.</param>
/// <param name="ETag">The S3 ETag without quotes (may be a multipart ETag "...-N"); for local files a fingerprint of size and last write time.</param>
/// <param name="Size">Bytes.</param>
/// <param name="LastModified">UTC.</param>
/// <param name="Location">What error messages and targets show: s3://bucket/key, or the path.</param>
public sealed record ImageObject(string Key, ImageJob? Job, string ETag, long Size, DateTimeOffset? LastModified, string Location);

/// <summary>Where images come from: an S3 bucket or a local folder laid out like one.</summary>
public interface IImageSource
{
    /// <summary>Human-readable description for verbose output (never secrets).</summary>
    string Description { get; }

    /// <summary>Jobs directly under the root, in a deterministic order (ordinal by prefix).</summary>
    IAsyncEnumerable<ImageJob> ListJobsAsync(CancellationToken cancellationToken);

    /// <summary>Every image of a job, sub-folders included, in ordinal key order. Non-image objects are counted in <paramref name="skipped"/>.</summary>
    IAsyncEnumerable<ImageObject> ListImagesAsync(ImageJob job, SkipCounter skipped, CancellationToken cancellationToken);

    /// <summary>
    /// The object's bytes; the caller disposes them once the image is hashed. Transient failures are retried inside;
    /// a persistent one throws.
    /// </summary>
    Task<ImageBytes> ReadAsync(ImageObject image, CancellationToken cancellationToken);
}

/// <summary>Thread-safe count (and a few names, for -Verbose) of listed objects that are not images.</summary>
public sealed class SkipCounter
{
    private readonly List<string> _examples = [];
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public IReadOnlyList<string> Examples
    {
        get
        {
            lock (_examples)
            {
                return [.. _examples];
            }
        }
    }

    public void Add(string location)
    {
        Interlocked.Increment(ref _count);
        lock (_examples)
        {
            if (_examples.Count < 20)
            {
                _examples.Add(location);
            }
        }
    }
}

/// <summary>The file-name extensions treated as images (configurable); matching is case-insensitive.</summary>
public static class ImageExtensions
{
    public static readonly IReadOnlyList<string> Default = [".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"];

    public static bool IsImage(string keyOrPath, IReadOnlyList<string> extensions)
    {
        foreach (string ext in extensions)
        {
            if (keyOrPath.EndsWith(ext, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
