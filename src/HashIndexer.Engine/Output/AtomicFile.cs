// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;

namespace HashIndexer.Engine.Output;

/// <summary>
/// Replace-by-rename writes: a reader sees the old file or the new one, never half of one.
/// The content goes to <c>.&lt;name&gt;.&lt;pid&gt;-&lt;random&gt;.hashindexer-tmp</c> in the same folder (same volume, so the
/// rename is atomic), is flushed to disk (fsync), then moved over the target, and the folder is flushed so that the
/// rename too survives a power cut (<see cref="DirectorySync"/>). On failure the temp file is deleted;
/// a killed process leaves one behind, which <see cref="DeleteStaleTemps"/> removes on the next run.
/// </summary>
public static class AtomicFile
{
    public const string TempSuffix = ".hashindexer-tmp";

    /// <summary>Writes <paramref name="path"/> through a temp file. Returns false when <paramref name="skipIfUnchanged"/> found identical bytes (the file is left untouched, mtime included).</summary>
    public static Task<bool> WriteAsync(string path, Func<Stream, CancellationToken, Task> write, bool skipIfUnchanged, CancellationToken cancellationToken)
        => WriteAsync(path, write, skipIfUnchanged, unixCreateMode: null, cancellationToken);

    /// <summary>
    /// As <see cref="WriteAsync(string, Func{Stream, CancellationToken, Task}, bool, CancellationToken)"/>; on Linux and macOS the
    /// temp file is created with <paramref name="unixCreateMode"/> (e.g. owner read/write only), so the file never exists with
    /// wider permissions, and the rename gives the target that mode. Ignored on Windows (null: the process's default).
    /// </summary>
    public static async Task<bool> WriteAsync(string path, Func<Stream, CancellationToken, Task> write, bool skipIfUnchanged, UnixFileMode? unixCreateMode, CancellationToken cancellationToken)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture,
            $".{Path.GetFileName(full)}.{Environment.ProcessId}-{Guid.NewGuid():N}{TempSuffix}"));
        bool moved = false;
        try
        {
            var fileOptions = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                BufferSize = 1 << 16,
                Options = FileOptions.None,
            };
            if (unixCreateMode is { } mode && !OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = mode;
            }
            var fs = new FileStream(temp, fileOptions);
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
            DirectorySync.Flush(dir);
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
