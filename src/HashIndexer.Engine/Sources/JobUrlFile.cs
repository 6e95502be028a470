// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Text;

namespace HashIndexer.Engine.Sources;

/// <summary>A job's url.txt: the job's web page, as the original tool read it (utf-8-sig, stripped).</summary>
public static class JobUrlFile
{
    /// <summary>The file name inside each job folder.</summary>
    public const string FileName = "url.txt";

    /// <summary>UTF-8 text with the BOM and surrounding whitespace (CR/LF included) removed.</summary>
    public static string Decode(ReadOnlySpan<byte> content)
    {
        ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
        if (content.StartsWith(bom))
        {
            content = content[bom.Length..];
        }
        return Encoding.UTF8.GetString(content).Trim();
    }
}

/// <summary>
/// Finds the job a local image belongs to: the nearest folder above it that holds a url.txt
/// (the job folder), or, under a given root, the first folder below that root. Caches per folder,
/// so hashing a whole job reads its url.txt once.
/// </summary>
public sealed class LocalJobLocator
{
    private const int MaxLevelsUp = 4;
    private readonly string? _root;
    private readonly Dictionary<string, ImageJob?> _byDirectory = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <param name="root">Optional folder laid out like the bucket (<c>&lt;root&gt;/&lt;job&gt;/...</c>).</param>
    public LocalJobLocator(string? root = null)
    {
        _root = root is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
    }

    /// <summary>The job of the file at <paramref name="fullPath"/>, or null when it sits in none.</summary>
    public ImageJob? Locate(string fullPath)
    {
        string? directory = Path.GetDirectoryName(fullPath);
        if (directory is null)
        {
            return null;
        }
        lock (_gate)
        {
            if (!_byDirectory.TryGetValue(directory, out ImageJob? job))
            {
                job = _root is null ? FindByUrlFile(directory) : FindUnderRoot(directory);
                _byDirectory[directory] = job;
            }
            return job;
        }
    }

    private ImageJob? FindUnderRoot(string directory)
    {
        string relative = Path.GetRelativePath(_root!, directory);
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            return null;
        }
        string jobNumber = relative.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)[0];
        return ReadJob(Path.Combine(_root!, jobNumber), _root!);
    }

    private static ImageJob? FindByUrlFile(string directory)
    {
        DirectoryInfo? current = new(directory);
        for (int level = 0; current is not null && level < MaxLevelsUp; level++, current = current.Parent)
        {
            if (File.Exists(Path.Combine(current.FullName, JobUrlFile.FileName)))
            {
                return ReadJob(current.FullName, current.Parent?.FullName ?? current.FullName);
            }
        }
        return null;
    }

    private static ImageJob ReadJob(string jobDirectory, string container)
    {
        string urlPath = Path.Combine(jobDirectory, JobUrlFile.FileName);
        string url;
        try
        {
            url = File.Exists(urlPath) ? JobUrlFile.Decode(File.ReadAllBytes(urlPath)) : string.Empty;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            url = string.Empty; // an unreadable url.txt leaves job_url empty; the image itself is still hashed
        }
        return new ImageJob(Path.GetFileName(jobDirectory), url, container, jobDirectory + Path.DirectorySeparatorChar);
    }
}
