// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
// Listing + download throughput of S3ImageSource against a local s3rver, beside the Python original's boto3 code
// (py_s3_bench.py) on the same data, directly and through a FaultProxy adding a fixed latency per request.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HashIndexer.Engine.S3;
using HashIndexer.Engine.Sources;
using HashIndexer.TestSupport;

int jobs = Arg("--jobs", 40);
int perJob = Arg("--per-job", 25);
int manyJobs = Arg("--many-jobs", 1000);
int latencyMs = Arg("--latency-ms", 30);
int latencyLimit = Arg("--latency-objects", 300);
int[] inFlight = [1, 4, 16];
string python = Environment.GetEnvironmentVariable("PYTHON") ?? "/usr/bin/python3";
string pyBench = Path.Combine(TestSupportPaths.RepoRoot, "benchmarks", "s3", "py_s3_bench.py");
bool withPython = File.Exists(python) && Run(python, ["-c", "import boto3, yaml"]).ExitCode == 0;
const string Root = "ODM Duplicate Image/";

await using S3rverFixture s3 = await S3rverFixture.StartAsync();
Console.Error.WriteLine($"s3rver at {s3.ServiceUrl}; seeding {jobs} x {perJob} photos and {manyJobs} small jobs...");
var seedWatch = Stopwatch.StartNew();
string[] corpus = TestBuckets.CorpusImages();
await s3.CreateBucketAsync("photos");
await Parallel.ForEachAsync(Enumerable.Range(0, jobs * perJob), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
{
    int job = i / perJob;
    string prefix = $"{Root}{100000 + job}/";
    if (i % perJob == 0)
    {
        await s3.PutTextAsync("photos", prefix + "url.txt", $"https://example.com/jobs/{100000 + job}\r\n", ct);
    }
    string file = corpus[i % corpus.Length];
    await s3.PutFileAsync("photos", $"{prefix}{i % perJob:D3}_{Path.GetFileName(file)}", file, ct);
});
await TestBuckets.SeedManyJobsAsync(s3, "many-jobs", Root, manyJobs, urlEvery: 1, parallelism: 8);
Console.Error.WriteLine($"seeded in {seedWatch.Elapsed.TotalSeconds:0.0} s");

var rows = new List<string>
{
    "| scenario | client | in flight | jobs | objects | list s | read s | objects/s | MB/s |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
};

// Warm the server's page cache once so the first measured run is not penalised.
await DotnetAsync(s3.ServiceUrl, "photos", 16, 16, 0, measure: false);

for (int round = 1; round <= Arg("--rounds", 2); round++)
{
    foreach (int n in inFlight)
    {
        rows.Add(Row($"photos, direct (round {round})", ".NET S3ImageSource", n, await DotnetAsync(s3.ServiceUrl, "photos", n, 16, 0)));
        if (withPython)
        {
            rows.Add(Row($"photos, direct (round {round})", "Python boto3 (seed_indexer)", n, Python(s3.ServiceUrl, "photos", n, 0, listOnly: false)));
        }
    }
}

await using (FaultProxy proxy = await FaultProxy.StartAsync(s3.ServiceUrl, new FaultProxyOptions { Latency = TimeSpan.FromMilliseconds(latencyMs), FaultMethods = null }))
{
    string scenario = $"photos, +{latencyMs} ms/request";
    foreach (int n in inFlight)
    {
        rows.Add(Row(scenario, ".NET S3ImageSource", n, await DotnetAsync(proxy.ServiceUrl, "photos", n, 16, latencyLimit)));
        if (withPython)
        {
            rows.Add(Row(scenario, "Python boto3 (seed_indexer)", n, Python(proxy.ServiceUrl, "photos", n, latencyLimit, listOnly: false)));
        }
    }
    string listing = $"{manyJobs} jobs listing (url.txt each), +{latencyMs} ms/request";
    foreach (int urls in new[] { 1, 16 })
    {
        rows.Add(Row(listing, ".NET ListJobsAsync, then ListImagesAsync per job (url.txt fetches in flight)", urls, await DotnetAsync(proxy.ServiceUrl, "many-jobs", 1, urls, 0, listOnly: true)));
    }
    foreach (int n in new[] { 4, 16 })
    {
        rows.Add(Row(listing, ".NET ListJobsWithImagesAsync (url.txt and job listings in flight)", n, await DotnetAsync(proxy.ServiceUrl, "many-jobs", 1, n, 0, listOnly: true, pipelined: true)));
    }
    if (withPython)
    {
        rows.Add(Row(listing, "Python boto3 (seed_indexer, serial)", 1, Python(proxy.ServiceUrl, "many-jobs", 1, 0, listOnly: true)));
    }
}

Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; photos = {jobs} jobs x {perJob} corpus images (+ url.txt each).");
foreach (string row in rows)
{
    Console.WriteLine(row);
}
return 0;

async Task<Result> DotnetAsync(string endpoint, string bucket, int readers, int urlConcurrency, int limit, bool listOnly = false, bool measure = true, bool pipelined = false)
{
    using S3Connection connection = new S3ConnectionFactory(_ => null).Create(new S3ConnectionOptions
    {
        EndpointUrl = endpoint,
        AccessKey = S3rverFixture.AccessKey,
        SecretKey = S3rverFixture.SecretKey,
    });
    var source = new S3ImageSource(connection, bucket, Root, new S3ImageSourceOptions { UrlConcurrency = urlConcurrency });
    var watch = Stopwatch.StartNew();
    var images = new List<ImageObject>();
    int jobCount = 0;
    var skipped = new SkipCounter();
    if (pipelined)
    {
        await foreach ((ImageJob _, IReadOnlyList<ImageObject> jobImages) in source.ListJobsWithImagesAsync(skipped, CancellationToken.None))
        {
            jobCount++;
            images.AddRange(jobImages);
        }
    }
    else
    {
        await foreach (ImageJob job in source.ListJobsAsync(CancellationToken.None))
        {
            jobCount++;
            await foreach (ImageObject image in source.ListImagesAsync(job, skipped, CancellationToken.None))
            {
                images.Add(image);
            }
        }
    }
    double listSeconds = watch.Elapsed.TotalSeconds;
    if (limit > 0 && images.Count > limit)
    {
        images = images.Take(limit).ToList();
    }
    if (listOnly)
    {
        return new Result(jobCount, images.Count, listSeconds, 0, 0);
    }
    long bytes = 0;
    watch.Restart();
    await Parallel.ForEachAsync(images, new ParallelOptions { MaxDegreeOfParallelism = readers }, async (image, ct) =>
    {
        using ImageBytes data = await source.ReadAsync(image, ct);
        Interlocked.Add(ref bytes, data.Length);
    });
    double readSeconds = watch.Elapsed.TotalSeconds;
    if (measure)
    {
        Console.Error.WriteLine($".NET {bucket} {endpoint} x{readers}: list {listSeconds:0.00}s read {readSeconds:0.00}s");
    }
    return new Result(jobCount, images.Count, listSeconds, readSeconds, bytes);
}

Result Python(string endpoint, string bucket, int workers, int limit, bool listOnly)
{
    var args = new List<string> { pyBench, "--endpoint", endpoint, "--bucket", bucket, "--root", Root, "--workers", workers.ToString(CultureInfo.InvariantCulture) };
    if (limit > 0)
    {
        args.AddRange(["--limit", limit.ToString(CultureInfo.InvariantCulture)]);
    }
    if (listOnly)
    {
        args.Add("--list-only");
    }
    (int code, string output) = Run(python, args);
    if (code != 0)
    {
        throw new InvalidOperationException("py_s3_bench.py failed: " + output);
    }
    using JsonDocument doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
    JsonElement r = doc.RootElement;
    Console.Error.WriteLine($"Python {bucket} {endpoint} x{workers}: {output.Trim()}");
    return new Result(r.GetProperty("jobs").GetInt32(), r.GetProperty("objects").GetInt32(), r.GetProperty("list_seconds").GetDouble(),
        r.GetProperty("read_seconds").GetDouble(), r.GetProperty("bytes").GetInt64());
}

static (int ExitCode, string Output) Run(string file, IEnumerable<string> args)
{
    var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (string a in args)
    {
        start.ArgumentList.Add(a);
    }
    start.Environment["AWS_ACCESS_KEY_ID"] = S3rverFixture.AccessKey;
    start.Environment["AWS_SECRET_ACCESS_KEY"] = S3rverFixture.SecretKey;
    start.Environment["AWS_DEFAULT_REGION"] = S3rverFixture.Region;
    start.Environment.Remove("AWS_PROFILE");
    using Process p = Process.Start(start)!;
    Task<string> err = p.StandardError.ReadToEndAsync();
    string output = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    return (p.ExitCode, output + err.Result);
}

static string Row(string scenario, string client, int n, Result r)
{
    string read = r.ReadSeconds > 0 ? $"{r.ReadSeconds:0.00} | {r.Objects / r.ReadSeconds:0.0} | {r.Bytes / 1e6 / r.ReadSeconds:0.0}" : "– | – | –";
    return $"| {scenario} | {client} | {n} | {r.Jobs} | {r.Objects} | {r.ListSeconds:0.00} | {read} |";
}

static int Arg(string name, int fallback)
{
    string[] args = Environment.GetCommandLineArgs();
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

internal sealed record Result(int Jobs, int Objects, double ListSeconds, double ReadSeconds, long Bytes);
