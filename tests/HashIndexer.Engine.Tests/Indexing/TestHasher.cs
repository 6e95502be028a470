using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Indexing;

namespace HashIndexer.Engine.Tests.Indexing;

/// <summary>The hasher the index tests run with: the real hashing core, so index rows hold real imagehash values.</summary>
internal static class TestHasher
{
    private static readonly ImageHasher s_hasher = new();

    public static readonly ImageHashFunction Hash = s_hasher.Hash;
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
