// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Buffers;

namespace HashIndexer.Engine.Sources;

/// <summary>
/// An image's bytes as read from its source, usually in a buffer lent by the shared array pool. Dispose it once the
/// image is hashed: the buffer then serves a later download. <see cref="Memory"/> is refused after that.
/// </summary>
/// <remarks>
/// Why: a run reads every image into memory once. Photos are mostly over 85 KB, so fresh arrays for them are Large
/// Object Heap allocations: zeroed, and reclaimed only by full collections. Over the corpus jobs (441 images, 59 MB)
/// lending buffers cut a run's allocations by a sixth (256 to 214 MB), its collection pauses by a fifth and its time
/// by about 5 % (benchmarks/e2e/RESULTS.md, rounds 10-12). Above <see cref="MaxPooledLength"/> an image is a plain
/// array: the pool rounds sizes up to a power of two, and for such images hashing, not allocation, is the cost.
/// </remarks>
public sealed class ImageBytes : IDisposable
{
    /// <summary>Largest image read into a pooled buffer.</summary>
    internal const int MaxPooledLength = 4 << 20;

    private readonly bool _pooled;
    private byte[]? _buffer;

    private ImageBytes(byte[] buffer, int length, bool pooled)
    {
        _buffer = buffer;
        Length = length;
        _pooled = pooled;
    }

    /// <summary>Number of bytes.</summary>
    public int Length { get; private set; }

    /// <summary>The bytes (only until disposed: the buffer may hold another image after that).</summary>
    public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);

    /// <summary>Where a source writes the bytes (<see cref="Length"/> of them) as it reads them.</summary>
    internal Memory<byte> Writable => Buffer.AsMemory(0, Length);

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(ImageBytes), "The image's bytes were given back once it was hashed.");

    /// <summary>Bytes already in an array of their own (nothing is given back on dispose).</summary>
    public static ImageBytes FromArray(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return new ImageBytes(bytes, bytes.Length, pooled: false);
    }

    /// <summary>Room for <paramref name="length"/> bytes, not cleared: the caller fills all of it (or shortens it with <see cref="Truncate"/>).</summary>
    internal static ImageBytes Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        bool pooled = length <= MaxPooledLength;
        byte[] buffer = pooled ? ArrayPool<byte>.Shared.Rent(length) : GC.AllocateUninitializedArray<byte>(length);
        return new ImageBytes(buffer, length, pooled);
    }

    /// <summary>Keeps only the first <paramref name="length"/> bytes (a file that shrank while it was read).</summary>
    internal void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        Length = length;
    }

    /// <summary>A local file's bytes (as <see cref="File.ReadAllBytesAsync(string, CancellationToken)"/>, into a lent buffer).</summary>
    public static async Task<ImageBytes> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        using Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        long length = RandomAccess.GetLength(handle);
        if (length > Array.MaxLength)
        {
            throw new IOException($"The file is {length} bytes, more than can be held in memory at once.");
        }
        ImageBytes bytes = Allocate((int)length);
        try
        {
            int read = 0;
            while (read < length)
            {
                int n = await RandomAccess.ReadAsync(handle, bytes.Writable[read..], read, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            bytes.Truncate(read);
            return bytes;
        }
        catch
        {
            bytes.Dispose();
            throw;
        }
    }

    /// <summary>Gives a lent buffer back to the pool (once; later calls do nothing).</summary>
    public void Dispose()
    {
        byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null && _pooled)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
