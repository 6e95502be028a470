// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;

namespace HashIndexer.Engine.Output;

/// <summary>
/// Replace-by-rename writes: a reader sees the old file or the new one, never half of one.
/// The content goes to <c>.&lt;name&gt;.&lt;pid&gt;-&lt;random&gt;.hashindexer-tmp</c> in the same folder (same volume, so the
/// rename is atomic), is flushed to disk (fsync), then moved over the target. On failure the temp file is deleted;
/// a killed process leaves one behind, which <see cref="DeleteStaleTemps"/> removes on the next run.
/// </summary>
public static class AtomicFile
{
    public const string TempSuffix = ".hashindexer-tmp";

    /// <summary>Writes <paramref name="path"/> through a temp file. Returns false when <paramref name="skipIfUnchanged"/> found identical bytes (the file is left untouched, mtime included).</summary>
    public static async Task<bool> WriteAsync(string path, Func<Stream, CancellationToken, Task> write, bool skipIfUnchanged, CancellationToken cancellationToken)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture,
            $".{Path.GetFileName(full)}.{Environment.ProcessId}-{Guid.NewGuid():N}{TempSuffix}"));
        bool moved = false;
        try
        {
            var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.None);
            await using (fs.ConfigureAwait(false))
            {
                await write(fs, cancellationToken).ConfigureAwait(false);
                await fs.FlushAsync(cancellationToken).ConfigureAwait(false);
                fs.Flush(flushToDisk: true);
                if (skipIfUnchanged && SameContent(fs, full))
                {
                    return false;
                }
            }
            File.Move(temp, full, overwrite: true);
            moved = true;
            return true;
        }
        finally
        {
            if (!moved)
            {
                TryDelete(temp);
            }
        }
    }

    /// <summary>Deletes temp files a killed run left next to <paramref name="path"/>. Call only while holding the state lock (it guards these files). Returns how many.</summary>
    public static int DeleteStaleTemps(string path)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir))
        {
            return 0;
        }
        int n = 0;
        foreach (string f in Directory.EnumerateFiles(dir, "." + Path.GetFileName(full) + ".*" + TempSuffix))
        {
            if (TryDelete(f))
            {
                n++;
            }
        }
        return n;
    }

    private static bool SameContent(FileStream written, string target)
    {
        if (!File.Exists(target))
        {
            return false;
        }
        using var old = new FileStream(target, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        if (old.Length != written.Length)
        {
            return false;
        }
        written.Position = 0;
        var a = new byte[1 << 16];
        var b = new byte[1 << 16];
        while (true)
        {
            int n = written.ReadAtLeast(a, a.Length, throwOnEndOfStream: false);
            int m = old.ReadAtLeast(b, n, throwOnEndOfStream: false);
            if (n != m || !a.AsSpan(0, n).SequenceEqual(b.AsSpan(0, m)))
            {
                return false;
            }
            if (n == 0)
            {
                return true;
            }
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
