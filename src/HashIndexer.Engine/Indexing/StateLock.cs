// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;
using System.Text;

namespace HashIndexer.Engine.Indexing;

/// <summary>Another run holds the state's lock. ErrorId StateLocked.</summary>
public sealed class StateLockedException : IOException
{
    public StateLockedException(string lockPath, string? holder, Exception? inner = null)
        : base($"The state is in use by another run: the lock '{lockPath}' is held" + (holder is null ? "." : $" by {holder}.")
               + " Wait for that run to finish, or point state.path elsewhere.", inner)
    {
        LockPath = lockPath;
        Holder = holder;
    }

    public StateLockedException()
        : this("", holder: null)
    {
    }

    public StateLockedException(string message)
        : base(message)
    {
        LockPath = "";
    }

    public StateLockedException(string message, Exception innerException)
        : base(message, innerException)
    {
        LockPath = "";
    }

    public string LockPath { get; }

    /// <summary>"process 1234 on host X since 2025-01-01T10:00:00Z", when the holder wrote it.</summary>
    public string? Holder { get; }

    public static string ErrorId => "StateLocked";
}

/// <summary>
/// One run per state file. <c>&lt;state&gt;.lock</c> is opened with FileShare.None, which is an OS lock (Windows share mode;
/// flock(LOCK_EX) on Linux and macOS), so it is released when the process ends however it ends: a crashed run never leaves
/// a lock behind, and there is nothing to clean up by hand. The lock file itself stays (deleting it on release would race a
/// second run opening it). Who holds it is written to <c>&lt;state&gt;.lock.owner</c>, because the locked file cannot be read
/// by others on either OS; the owner file is only for the message.
/// </summary>
public sealed class StateLock : IDisposable
{
    private readonly FileStream _stream;

    private StateLock(FileStream stream, string lockPath)
    {
        _stream = stream;
        LockPath = lockPath;
    }

    public string LockPath { get; }

    public string OwnerPath => LockPath + ".owner";

    /// <summary>Takes the lock or throws <see cref="StateLockedException"/> at once (no waiting).</summary>
    public static StateLock Acquire(string statePath, DateTimeOffset now)
    {
        string lockPath = Path.GetFullPath(statePath) + ".lock";
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        FileStream fs;
        try
        {
            fs = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
        {
            string? holder = null;
            try
            {
                holder = File.ReadAllText(lockPath + ".owner", Encoding.UTF8).Trim();
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
            throw new StateLockedException(lockPath, string.IsNullOrEmpty(holder) ? null : holder, ex);
        }
        var l = new StateLock(fs, lockPath);
        try
        {
            string who = string.Create(CultureInfo.InvariantCulture,
                $"process {Environment.ProcessId} on {Environment.MachineName} since {now.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}");
            File.WriteAllText(l.OwnerPath, who, new UTF8Encoding(false));
        }
        catch (IOException)
        {
            // The owner note is a courtesy; the lock is what matters.
        }
        catch (UnauthorizedAccessException)
        {
        }
        return l;
    }

    public void Dispose()
    {
        try
        {
            File.Delete(OwnerPath);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        _stream.Dispose();
    }
}
