// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace HashIndexer.Engine.Sources;

/// <summary>
/// A local folder laid out like the bucket under its root prefix: <c>&lt;root&gt;/&lt;job&gt;/url.txt</c> and the job's images,
/// sub-folders included (e.g. a copy made with <c>aws s3 sync s3://bucket/jobs/ ./jobs/</c>).
/// </summary>
/// <remarks>
/// <para>Keys (image_name) are <c>&lt;root folder name&gt;/&lt;job&gt;/&lt;path in the job&gt;</c> with '/' separators: the same on every
/// machine and every OS wherever the folder is, and equal to the S3 key when the folder is named like the root prefix
/// (<c>jobs/</c> synced to <c>./jobs</c>), so a local index and a bucket index can be compared row by row. The full path is the
/// <see cref="ImageObject.Location"/> shown in messages.</para>
/// <para>ETag: a fingerprint of size and last-write time (<c>&lt;size hex&gt;-&lt;ticks hex&gt;</c>), not a content hash. Listing must
/// stay as cheap as an S3 listing (metadata only): hashing contents to detect changes would read every image on every run,
/// the very cost incremental runs avoid. Copies that keep timestamps (robocopy, rsync -t, aws s3 sync) keep the fingerprint;
/// touching a file without changing it re-hashes that one file, which is harmless.</para>
/// </remarks>
public sealed class LocalFolderSource : IImageSource
{
    private readonly string _root;
    private readonly string _rootName;
    private readonly IReadOnlyList<string> _extensions;

    public LocalFolderSource(string root, IReadOnlyList<string>? extensions = null)
    {
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        if (!Directory.Exists(_root))
        {
            throw new DirectoryNotFoundException($"source.local_path: the folder '{_root}' does not exist.");
        }
        _rootName = Path.GetFileName(_root);
        _extensions = extensions ?? ImageExtensions.Default;
    }

    public string Description => "local folder " + _root;

    public async IAsyncEnumerable<ImageJob> ListJobsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string[] dirs = Directory.GetDirectories(_root);
        Array.Sort(dirs, StringComparer.Ordinal);
        foreach (string dir in dirs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string urlFile = Path.Combine(dir, JobUrlFile.FileName);
            string url = File.Exists(urlFile)
                ? JobUrlFile.Decode(await File.ReadAllBytesAsync(urlFile, cancellationToken).ConfigureAwait(false))
                : "";
            yield return new ImageJob(Path.GetFileName(dir), url, _root, dir);
        }
    }

    public async IAsyncEnumerable<ImageObject> ListImagesAsync(ImageJob job, SkipCounter skipped, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var files = new List<(string Key, FileInfo File)>();
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.None, ReturnSpecialDirectories = false };
        foreach (FileInfo f in new DirectoryInfo(job.Prefix).EnumerateFiles("*", options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!ImageExtensions.IsImage(f.Name, _extensions))
            {
                skipped.Add(f.FullName);
                continue;
            }
            string rel = Path.GetRelativePath(_root, f.FullName).Replace(Path.DirectorySeparatorChar, '/');
            files.Add((_rootName + "/" + rel, f));
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var (key, f) in files)
        {
            DateTime utc = f.LastWriteTimeUtc;
            string etag = string.Create(CultureInfo.InvariantCulture, $"{f.Length:x}-{utc.Ticks:x}");
            yield return new ImageObject(key, job, etag, f.Length, new DateTimeOffset(utc, TimeSpan.Zero), f.FullName);
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task<ImageBytes> ReadAsync(ImageObject image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        return ImageBytes.ReadFileAsync(image.Location, cancellationToken);
    }
}
