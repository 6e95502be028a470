using System.Security.Cryptography;
using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Indexing;

namespace HashIndexer.Engine.Tests.Indexing;

/// <summary>
/// The hasher the index tests run with. The real <see cref="ImageHasher"/> is still a stub on this branch, so this is a
/// deterministic stand-in: hashes derived from SHA-256 of the bytes, and the same refusal of non-images the real one gives.
/// When the hashing core lands, switch with the one line below: <c>Hash = new ImageHasher().Hash;</c>
/// </summary>
internal static class TestHasher
{
    public static readonly ImageHashFunction Hash = FakeHash;

    private static readonly byte[][] s_magics =
    [
        [0xFF, 0xD8, 0xFF], // JPEG
        [0x89, (byte)'P', (byte)'N', (byte)'G'],
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8'],
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F'],
        [(byte)'B', (byte)'M'],
        [(byte)'I', (byte)'I', 42, 0],
        [(byte)'M', (byte)'M', 0, 42],
    ];

    private static ImageHashResult FakeHash(ReadOnlyMemory<byte> encoded, HashRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ReadOnlySpan<byte> b = encoded.Span;
        bool known = false;
        foreach (byte[] m in s_magics)
        {
            known |= b.StartsWith(m);
        }
        if (!known)
        {
            throw new ImageProcessingException(ImageErrorKind.DecodeFailed, "cannot identify image file");
        }
        byte[] d = SHA256.HashData(b);
        string H(int i) => Convert.ToHexStringLower(d, (i * 8) % 32, 8);
        var perms = (request.Seed?.Permutations ?? []).Select((p, i) => KeyValuePair.Create(p.Name, H(3 + i))).ToArray();
        var hashes = new Dictionary<HashAlgorithmKind, string>();
        if (request.Algorithms.Contains(HashAlgorithmKind.Sha256))
        {
            hashes[HashAlgorithmKind.Sha256] = Convert.ToHexStringLower(d);
        }
        return new ImageHashResult
        {
            Width = 100 + d[0],
            Height = 100 + d[1],
            Hashes = hashes,
            Seed = new SeedHashes(H(0), H(1), H(2), perms),
        };
    }
}

/// <summary>Records what a run reports.</summary>
internal sealed class RecordingReporter : IRunReporter
{
    private readonly object _gate = new();

    public List<string> Verbose { get; } = [];

    public List<string> Warnings { get; } = [];

    public List<(string Location, string ErrorId, string Message)> Failures { get; } = [];

    public int ProgressCalls { get; private set; }

    void IRunReporter.Verbose(string message)
    {
        lock (_gate)
        {
            Verbose.Add(message);
        }
    }

    void IRunReporter.Warning(string message)
    {
        lock (_gate)
        {
            Warnings.Add(message);
        }
    }

    void IRunReporter.Progress(string activity, string status, long current, long total)
    {
        lock (_gate)
        {
            ProgressCalls++;
        }
    }

    void IRunReporter.ItemFailed(string location, string errorId, string message, Exception? exception)
    {
        lock (_gate)
        {
            Failures.Add((location, errorId, message));
        }
    }
}

/// <summary>A temp folder deleted at the end of the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hi-test-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
