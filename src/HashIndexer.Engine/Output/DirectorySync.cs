// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Runtime.InteropServices;

namespace HashIndexer.Engine.Output;

/// <summary>
/// fsync of a folder on Linux and macOS, so that a rename in it survives a power cut. The renamed file's bytes are
/// already on disk (AtomicFile flushes them first); without this the rename itself sits in the file system's
/// journal for a few seconds, and a power cut then brings back the previous checkpoint instead of the last one.
/// .NET has no API for it (a FileStream cannot open a folder), so it calls the C library's open/fsync/close.
/// Windows: nothing to do here (NTFS journals the rename; .NET has no folder flush there either).
/// </summary>
internal static unsafe class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY, the same on Linux and macOS

    private static readonly Libc? s_libc = Libc.Load();

    /// <summary>Flushes the folder's entries to disk. False when the platform has no such call or it failed (best effort: never throws).</summary>
    public static bool Flush(string directory)
    {
        if (s_libc is not { } libc)
        {
            return false;
        }
        byte[] path = System.Text.Encoding.UTF8.GetBytes(directory + "\0");
        fixed (byte* p = path)
        {
            int fd = libc.Open(p, ReadOnly);
            if (fd < 0)
            {
                return false;
            }
            bool ok = libc.Fsync(fd) == 0;
            _ = libc.Close(fd);
            return ok;
        }
    }

    private sealed class Libc
    {
        public delegate* unmanaged<byte*, int, int> Open;
        public delegate* unmanaged<int, int> Fsync;
        public delegate* unmanaged<int, int> Close;

        public static Libc? Load()
        {
            string? name = OperatingSystem.IsLinux() ? "libc.so.6" : OperatingSystem.IsMacOS() ? "/usr/lib/libSystem.dylib" : null;
            if (name is null || !NativeLibrary.TryLoad(name, out nint lib))
            {
                return null;
            }
            if (!NativeLibrary.TryGetExport(lib, "open", out nint open) || !NativeLibrary.TryGetExport(lib, "fsync", out nint fsync) || !NativeLibrary.TryGetExport(lib, "close", out nint close))
            {
                return null;
            }
            return new Libc
            {
                Open = (delegate* unmanaged<byte*, int, int>)open,
                Fsync = (delegate* unmanaged<int, int>)fsync,
                Close = (delegate* unmanaged<int, int>)close,
            };
        }
    }
}
