// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
// Measures an Update-HashIndex run over N synthetic objects (default 100,000) with a trivial hasher:
// what is left is the engine's own cost (listing, diff, state, index, checkpoints), not decoding.
// Usage: IndexMemory <full|noop|change> <work dir> [objects] [csv|parquet]
// Run each mode in its own process so the peak working set belongs to that run alone.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using HashIndexer.Engine.Configuration;
using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Indexing;
using HashIndexer.Engine.Sources;

string mode = args.Length > 0 ? args[0] : "full";
string dir = Path.GetFullPath(args.Length > 1 ? args[1] : "bench-work");
int count = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100_000;
var target = args.Length > 3 && args[3] == "parquet" ? OutputTarget.LocalParquet : OutputTarget.LocalCsv;
if (mode == "full" && Directory.Exists(dir))
{
    Directory.Delete(dir, true);
}

var config = new HashIndexerConfig
{
    S3 = new S3Settings { Bucket = "synthetic" },
    Hashing = new HashingSettings { Workers = 16 },
    Output = new OutputSettings { Target = target, Path = Path.Combine(dir, "index") },
    State = new StateSettings { Path = Path.Combine(dir, "state.json") },
};
// "change": 1% of the objects get a new ETag.
var source = new SyntheticSource(count, jobs: count / 100, changedEvery: mode == "change" ? 100 : 0);
long peakManaged = 0;
using var sampler = new Timer(_ =>
{
    long m = GC.GetTotalMemory(false);
    long seen;
    while (m > (seen = Interlocked.Read(ref peakManaged)) && Interlocked.CompareExchange(ref peakManaged, m, seen) != seen)
    {
    }
}, null, 0, 20);

long baseline = GC.GetTotalMemory(forceFullCollection: true);
var reporter = new CountingReporter();
var sw = Stopwatch.StartNew();
IndexRunSummary s = await Run(config, source, reporter);
sw.Stop();
// Thread-pool threads can hold a stale reference to the last work item for a moment: let them move on first.
for (int k = 0; k < 20; k++)
{
    await Task.Run(() => Thread.Sleep(1));
}
await Task.Delay(200);
long retained = GC.GetTotalMemory(forceFullCollection: true) - baseline;
if (Environment.GetEnvironmentVariable("GCDEBUG") == "1")
{
    System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
    GC.Collect(2, GCCollectionMode.Forced, true, true);
    GC.WaitForPendingFinalizers();
    GC.Collect(2, GCCollectionMode.Forced, true, true);
    var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
    Console.WriteLine($"baseline {baseline / 1048576.0:0.0} MB; after compacting GC: total {GC.GetTotalMemory(false) / 1048576.0:0.0} MB heap {info.HeapSizeBytes / 1048576.0:0.0} MB fragmented {info.FragmentedBytes / 1048576.0:0.0} MB; s={s.Total}");
    foreach (var g in info.GenerationInfo) Console.WriteLine($"  gen size after {g.SizeAfterBytes / 1048576.0:0.0} MB");
}
using var p = Process.GetCurrentProcess();
p.Refresh();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{mode,-6} {target,-12} objects {s.Total,7}  hashed {s.Hashed,7}  unchanged {s.Unchanged,7}  seconds {sw.Elapsed.TotalSeconds,6:0.00}  " +
    $"peak working set {p.PeakWorkingSet64 / 1048576.0,6:0.0} MB  peak managed heap {Interlocked.Read(ref peakManaged) / 1048576.0,6:0.0} MB  " +
    $"checkpoints {reporter.Checkpoints,2}  managed after run {retained / 1048576.0,5:0.0} MB  state {new FileInfo(s.StatePath).Length / 1048576.0,5:0.0} MB  index {new FileInfo(s.OutputPath).Length / 1048576.0,5:0.0} MB"));

[MethodImpl(MethodImplOptions.NoInlining)]
static async Task<IndexRunSummary> Run(HashIndexerConfig config, IImageSource source, IRunReporter reporter)
    => await new IndexUpdater(config, source, TrivialHash, reporter).RunAsync();

static ImageHashResult TrivialHash(ReadOnlyMemory<byte> bytes, HashRequest request, CancellationToken ct)
{
    Span<byte> d = stackalloc byte[32];
    SHA256.HashData(bytes.Span, d);
    string h = Convert.ToHexString(d).ToLowerInvariant();
    return new ImageHashResult { Width = 640, Height = 480, Seed = new SeedHashes(h[..16], h[16..32], h[32..48], []) };
}

/// <summary>Counts checkpoints; drops the rest.</summary>
internal sealed class CountingReporter : IRunReporter
{
    private int _checkpoints;

    public int Checkpoints => _checkpoints;

    public void Verbose(string message)
    {
        if (message.StartsWith("Checkpoint", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _checkpoints);
        }
    }

    public void Warning(string message) => Console.Error.WriteLine("WARNING: " + message);

    public void Progress(string activity, string status, long current, long total)
    {
    }

    public void ItemFailed(string location, string errorId, string message, Exception? exception) => Console.Error.WriteLine(message);
}

/// <summary>N objects in N/100 jobs, S3-like keys and ETags; each object's bytes are 64 bytes derived from its key.</summary>
internal sealed class SyntheticSource(int count, int jobs, int changedEvery) : IImageSource
{
    public string Description => $"synthetic source ({count} objects)";

    public async IAsyncEnumerable<ImageJob> ListJobsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (int j = 0; j < jobs; j++)
        {
            string n = j.ToString("D6", CultureInfo.InvariantCulture);
            yield return new ImageJob(n, $"https://example.com/jobs/{n}", "synthetic", $"jobs/{n}/");
        }
        await Task.CompletedTask;
    }

    public async IAsyncEnumerable<ImageObject> ListImagesAsync(ImageJob job, SkipCounter skipped, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int j = int.Parse(job.JobNumber, CultureInfo.InvariantCulture);
        int per = count / jobs;
        for (int i = j * per; i < (j + 1) * per; i++)
        {
            string key = $"{job.Prefix}IMG_{i:D7}.jpg";
            int version = changedEvery > 0 && i % changedEvery == 0 ? 1 : 0;
            string etag = Convert.ToHexString(MD5.HashData(System.Text.Encoding.UTF8.GetBytes(key + version))).ToLowerInvariant();
            yield return new ImageObject(key, job, etag, 2_500_000 + i, new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(i), "s3://synthetic/" + key);
        }
        await Task.CompletedTask;
    }

    public Task<ImageBytes> ReadAsync(ImageObject image, CancellationToken cancellationToken)
    {
        var b = new byte[64];
        System.Text.Encoding.UTF8.GetBytes(image.Key + image.ETag, b);
        return Task.FromResult(ImageBytes.FromArray(b));
    }
}
