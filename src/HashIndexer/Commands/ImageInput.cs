// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using HashIndexer.Engine.Sources;

namespace HashIndexer.Commands;

/// <summary>An image's bytes and what the index row says about it, as read on a worker thread.</summary>
/// <param name="Bytes">The image; disposed (its buffer given back) once it is hashed.</param>
/// <param name="ImageName">The index's image_name: the local path, or the S3 key.</param>
/// <param name="Job">Its job folder, if any.</param>
/// <param name="S3">The S3 object (etag, size, last-modified), or null for local files.</param>
internal sealed record LoadedImage(ImageBytes Bytes, string ImageName, ImageJob? Job, ImageObject? S3);

/// <summary>One image to hash, whatever it came from (a local path, an S3 object, a job listing).</summary>
/// <param name="DisplayName">What errors and warnings name: the path, or s3://bucket/key.</param>
/// <param name="LoadAsync">Reads the bytes (and, for S3 objects, their metadata); runs on a worker thread.</param>
internal sealed record ImageInput(string DisplayName, Func<CancellationToken, Task<LoadedImage>> LoadAsync)
{
    /// <summary>A local file; its bytes are read on the worker.</summary>
    public static ImageInput ForLocalFile(string fullPath, ImageJob? job) => new(
        fullPath,
        async ct => new LoadedImage(await ImageBytes.ReadFileAsync(fullPath, ct).ConfigureAwait(false), fullPath, job, null));

    /// <summary>A listed S3 object (from a job listing): metadata known, bytes read on the worker.</summary>
    public static ImageInput ForListedObject(IImageSource source, ImageObject image) => new(
        image.Location,
        async ct => new LoadedImage(await source.ReadAsync(image, ct).ConfigureAwait(false), image.Key, image.Job, image));

    /// <summary>A single S3 object known only by bucket and key: described (HEAD, url.txt) and read on the worker.</summary>
    public static ImageInput ForS3Object(S3ImageSource source, string key) => new(
        Engine.S3.S3Uri.Format(source.Bucket, key),
        async ct =>
        {
            ImageObject image = await source.DescribeAsync(key, ct).ConfigureAwait(false);
            return new LoadedImage(await source.ReadAsync(image, ct).ConfigureAwait(false), image.Key, image.Job, image);
        });
}
