// End-to-end benchmarks for issues #4 and #5 (benchmarks/e2e/run.sh; results in benchmarks/e2e/RESULTS.md).
//
//   E2EBench run [options]        seeds s3rver (once; its data folder is reused) and runs every scenario
//   E2EBench list ...             (child) bare listing of a bucket, printed as one JSON line
//   E2EBench breakdown ...        (child) list / download / hash, each timed alone, for the corpus jobs
//
// Every timed run is its own process: Update-HashIndex through CmdletHost (the real PowerShell engine importing
// HashIndexer.psd1), the original tool as `/usr/bin/python3 shared/tools/seed_indexer.py`, the listings and the
// breakdown as E2EBench children. Peak memory is the child's maximum resident set (GNU time's %M).
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using HashIndexer.Engine.Configuration;
using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Indexing;
using HashIndexer.Engine.S3;
using HashIndexer.Engine.Sources;
using HashIndexer.TestSupport;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: E2EBench run|list|breakdown [options]");
    return 2;
}
var opts = Opts.Parse(args.Skip(1));
return args[0] switch
{
    "run" => await Bench.RunAsync(opts),
    "list" => await Children.ListAsync(opts),
    "breakdown" => await Children.BreakdownAsync(opts),
    _ => 2,
};

internal sealed class Opts
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Opts Parse(IEnumerable<string> args)
    {
        var o = new Opts();
        string? name = null;
        foreach (string a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (name is not null)
                {
                    o._values[name] = "true";
                }
                name = a[2..];
            }
            else if (name is not null)
            {
                o._values[name] = a;
                name = null;
            }
        }
        if (name is not null)
        {
            o._values[name] = "true";
        }
        return o;
    }

    public string Str(string name, string fallback) => _values.TryGetValue(name, out string? v) ? v : fallback;

    public int Int(string name, int fallback) => _values.TryGetValue(name, out string? v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public bool Flag(string name) => _values.TryGetValue(name, out string? v) && v != "false";

    public int[] Ints(string name, string fallback) => Str(name, fallback).Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}

internal static class S3
{
    public const string Root = "ODM Duplicate Image/";

    public static AmazonS3Client Client(string serviceUrl, int maxConnections = 64) => new(
        new BasicAWSCredentials(S3rverFixture.AccessKey, S3rverFixture.SecretKey),
        new AmazonS3Config
        {
            ServiceURL = serviceUrl,
            ForcePathStyle = true,
            AuthenticationRegion = S3rverFixture.Region,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxConnectionsPerServer = maxConnections,
            Timeout = TimeSpan.FromSeconds(120),
        });

    public static S3Connection Connection(string endpoint) => new S3ConnectionFactory(_ => null).Create(new S3ConnectionOptions
    {
        EndpointUrl = endpoint,
        AccessKey = S3rverFixture.AccessKey,
        SecretKey = S3rverFixture.SecretKey,
    });
}


internal sealed record Sample(string Scenario, string Tool, int Workers, int Rep, double WallSeconds, double ToolSeconds, double MaxRssMb,
    int Listed, int Hashed, int Failed, string Note = "");

internal static class Bench
{
    private static readonly string s_python = "/usr/bin/python3";
    private static string s_host = "";
    private static string s_self = "";
    private static string s_manifest = "";
    private static string s_seedIndexer = "";
    private static string s_work = "";
    private static readonly List<Sample> s_samples = [];
    private static StreamWriter? s_raw;

    public static async Task<int> RunAsync(Opts o)
    {
        string repo = TestSupportPaths.RepoRoot;
        string data = Path.GetFullPath(o.Str("data-dir", Path.Combine(Path.GetTempPath(), "hashindexer-e2e")));
        s_host = Path.GetFullPath(o.Str("host", Path.Combine(repo, "benchmarks/e2e/CmdletHost/bin/Release/net10.0/CmdletHost.dll")));
        s_self = typeof(Bench).Assembly.Location;
        s_manifest = Path.Combine(repo, "HashIndexer.psd1");
        s_seedIndexer = Path.Combine(TestSupportPaths.Shared, "tools", "seed_indexer.py");
        s_work = Path.Combine(data, "runs");
        int reps = o.Int("reps", 3);
        s_phases = o.Flag("phases");
        int[] workers = o.Ints("workers", "1,4,16");
        int latencyMs = o.Int("latency-ms", 30);
        int[] latencyWorkers = o.Ints("latency-workers", "1,4,16");
        int smallCount = o.Int("small", 100_000);
        int smallJobs = o.Int("small-jobs", 200);
        int smallWorkers = o.Int("small-workers", 16);
        string only = o.Str("only", "corpus,latency,breakdown,small");
        string outDir = Path.GetFullPath(o.Str("out", Path.Combine(repo, "benchmarks/e2e/out")));
        Directory.CreateDirectory(outDir);
        string stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        s_raw = new StreamWriter(Path.Combine(outDir, $"samples-{stamp}.csv")) { AutoFlush = true };
        s_raw.WriteLine("scenario,tool,workers,rep,wall_s,tool_s,maxrss_mb,listed,hashed,failed,note");

        Log($"data {data}; reps {reps}; workers {string.Join('/', workers)}; load {Load()}");
        string storeDir = Path.Combine(data, "s3rver");
        foreach (string bucket in new[] { "corpus-jobs", TripleBucket, FieldBucket, SmallBucket(smallCount) })
        {
            if (!File.Exists(Marker(data, bucket)) && Directory.Exists(Path.Combine(storeDir, bucket)))
            {
                Log($"{bucket}: seeding was interrupted before; deleting it");
                Directory.Delete(Path.Combine(storeDir, bucket), recursive: true);
            }
        }
        await using S3rverFixture server = await S3rverFixture.StartAsync(storeDir);
        Log($"s3rver {server.ServiceUrl} (pid {server.ProcessId})");

        int corpusImages = await SeedCorpusAsync(server, data, "corpus-jobs", copies: 1, firstJob: 30001);
        bool small = only.Contains("small", StringComparison.Ordinal);
        if (small)
        {
            await SeedSmallAsync(server, data, smallCount, smallJobs);
        }

        if (only.Contains("corpus", StringComparison.Ordinal))
        {
            await CorpusAsync("corpus jobs, direct", server.ServiceUrl, workers, reps, corpusImages);
        }
        if (only.Contains("triple", StringComparison.Ordinal))
        {
            // The same jobs three times over (63 jobs, 1,386 objects: near the issue's 1,543-object layout, which is not
            // available here): the same image mix, so what changes is only how far each tool's fixed costs spread.
            int tripleImages = await SeedCorpusAsync(server, data, TripleBucket, copies: 3, firstJob: 40001);
            await CorpusAsync("corpus jobs x3, direct", server.ServiceUrl, workers, reps, tripleImages, TripleBucket);
        }
        if (only.Contains("field", StringComparison.Ordinal))
        {
            // What users hash: 12 MP camera JPEGs (shared/tools/make_field_photos.py), not the corpus' mostly small images.
            int fieldImages = await SeedFieldAsync(server, data);
            await CorpusAsync("field photos (12 MP), direct", server.ServiceUrl, workers, reps, fieldImages, FieldBucket);
        }
        if (only.Contains("latency", StringComparison.Ordinal))
        {
            await using FaultProxy proxy = await FaultProxy.StartAsync(server.ServiceUrl, new FaultProxyOptions
            {
                Latency = TimeSpan.FromMilliseconds(latencyMs),
                FaultMethods = null,
            });
            await CorpusAsync($"corpus jobs, +{latencyMs} ms/request", proxy.ServiceUrl, latencyWorkers, reps, corpusImages);
            Log($"proxy forwarded {proxy.Requests} requests");
        }
        if (only.Contains("fast", StringComparison.Ordinal))
        {
            // HashIndexer's own `hashing.decode: fast` (scaled JPEG decode; not the original's exact hashes), ours only.
            for (int rep = 1; rep <= reps; rep++)
            {
                foreach (int w in workers)
                {
                    string dir = RunDir($"corpus-fast-{w}");
                    Ours("corpus jobs, direct, HashIndexer with hashing.decode: fast", WriteConfig(dir, "corpus-jobs", server.ServiceUrl, w, "fast"), w, rep);
                }
            }
        }
        if (only.Contains("tc0", StringComparison.Ordinal))
        {
            // The same runs with the JIT's tiering off (everything compiled optimised at first call): how much of a cold
            // run is tier-0 code and on-stack replacement in the decoder and hash loops. Ours only.
            for (int rep = 1; rep <= reps; rep++)
            {
                foreach (int w in workers)
                {
                    string dir = RunDir($"corpus-tc0-{w}");
                    Ours("corpus jobs, direct, HashIndexer with DOTNET_TieredCompilation=0", WriteConfig(dir, "corpus-jobs", server.ServiceUrl, w), w, rep,
                        new Dictionary<string, string> { ["DOTNET_TieredCompilation"] = "0" });
                }
            }
        }
        if (only.Contains("breakdown", StringComparison.Ordinal))
        {
            Breakdown("corpus jobs, direct", server.ServiceUrl, workers, reps);
        }
        if (small)
        {
            Small(server.ServiceUrl, smallCount, smallWorkers, reps, o.Flag("python-small"));
        }

        Log($"done; load {Load()}");
        string tables = Tables();
        Console.WriteLine(tables);
        await File.WriteAllTextAsync(Path.Combine(outDir, $"tables-{stamp}.md"), tables);
        s_raw.Dispose();
        return 0;
    }

    private static string SmallBucket(int count) => "small-" + count.ToString(CultureInfo.InvariantCulture);

    private const string FieldBucket = "field-jobs";

    /// <summary>24 field photos (12 MP JPEG 4:2:0 q90, made once by make_field_photos.py from corpus/images/src) in 4 jobs of 6, each with a url.txt.</summary>
    private static async Task<int> SeedFieldAsync(S3rverFixture server, string data)
    {
        const int count = 24, perJob = 6;
        if (File.Exists(Marker(data, FieldBucket)))
        {
            Log($"{FieldBucket}: already seeded ({File.ReadAllText(Marker(data, FieldBucket)).Trim()})");
            return int.Parse(File.ReadAllText(Marker(data, FieldBucket)).Split(' ')[0], CultureInfo.InvariantCulture);
        }
        string photos = Path.Combine(data, "field");
        (int code, string output, _, _) = RunProcess(s_python, [Path.Combine(TestSupportPaths.Shared, "tools", "make_field_photos.py"), TestSupportPaths.CorpusSourceImages, photos, count.ToString(CultureInfo.InvariantCulture)], null);
        if (code != 0)
        {
            throw new InvalidOperationException("make_field_photos.py failed: " + output);
        }
        string[] files = [.. Directory.GetFiles(photos, "*.jpg").Order(StringComparer.Ordinal)];
        await UploadJobsAsync(server, FieldBucket, firstJob: 40001, files, perJob);
        long bytes = files.Sum(f => new FileInfo(f).Length);
        string note = $"{files.Length} images in {(files.Length + perJob - 1) / perJob} jobs with a url.txt each, {bytes / 1e6:0.0} MB";
        await File.WriteAllTextAsync(Marker(data, FieldBucket), note + "\n");
        Log($"{FieldBucket}: seeded {note}");
        return files.Length;
    }

    /// <summary>
    /// A bucket of jobs <c>&lt;root&gt;/&lt;firstJob + n&gt;/</c> holding <paramref name="perJob"/> of the files each (a name met twice
    /// in one job gets a <c>v_</c> prefix), and a url.txt in every job. Returns the number of jobs.
    /// </summary>
    private static async Task<int> UploadJobsAsync(S3rverFixture server, string bucket, int firstJob, string[] files, int perJob)
    {
        await server.CreateBucketAsync(bucket);
        string JobPrefix(int n) => S3.Root + (firstJob + n).ToString(CultureInfo.InvariantCulture) + "/";
        var items = new List<(string Key, string Path)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < files.Length; i++)
        {
            string job = JobPrefix(i / perJob);
            string name = Path.GetFileName(files[i]);
            string key = seen.Add(job + name) ? job + name : job + "v_" + name;
            seen.Add(key);
            items.Add((key, files[i]));
        }
        int jobs = (files.Length + perJob - 1) / perJob;
        for (int j = 0; j < jobs; j++)
        {
            await server.PutTextAsync(bucket, JobPrefix(j) + "url.txt", $"https://jobs.example.com/{firstJob + j}\r\n");
        }
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (it, ct) => await server.PutObjectAsync(bucket, it.Key, await File.ReadAllBytesAsync(it.Path, ct), ct));
        return jobs;
    }

    private static string Marker(string data, string bucket) => Path.Combine(data, "seeded-" + bucket + ".txt");

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    public static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private const string TripleBucket = "corpus-jobs-x3";

    /// <summary>
    /// The 441 corpus images (src then var, by name) in jobs of 21, each job with a url.txt; <paramref name="copies"/>
    /// times over (each copy in jobs of its own), so every copy has the same image mix.
    /// </summary>
    private static async Task<int> SeedCorpusAsync(S3rverFixture server, string data, string bucket, int copies, int firstJob)
    {
        string corpus = Path.Combine(TestSupportPaths.Shared, "corpus", "images");
        string[] once = [
            .. Directory.GetFiles(Path.Combine(corpus, "src")).Order(StringComparer.Ordinal),
            .. Directory.GetFiles(Path.Combine(corpus, "var")).Order(StringComparer.Ordinal)];
        string[] files = [.. Enumerable.Repeat(once, copies).SelectMany(f => f)];
        if (File.Exists(Marker(data, bucket)))
        {
            Log($"{bucket}: already seeded ({File.ReadAllText(Marker(data, bucket)).Trim()})");
            return files.Length;
        }
        var watch = Stopwatch.StartNew();
        int jobs = await UploadJobsAsync(server, bucket, firstJob, files, perJob: 21);
        long bytes = files.Sum(f => new FileInfo(f).Length);
        string note = $"{jobs} jobs, {files.Length} images + {jobs} url.txt = {files.Length + jobs} objects, {bytes / 1e6:0.0} MB";
        await File.WriteAllTextAsync(Marker(data, bucket), note + "\n");
        Log($"{bucket}: seeded {note} in {watch.Elapsed.TotalSeconds:0.0} s");
        return files.Length;
    }

    /// <summary>N tiny images (8 distinct 64x64 JPEGs/PNGs, made by make_tiny.py) in N/perJob jobs, url.txt in each.</summary>
    private static async Task SeedSmallAsync(S3rverFixture server, string data, int count, int jobs)
    {
        string bucket = SmallBucket(count);
        if (File.Exists(Marker(data, bucket)))
        {
            Log($"{bucket}: already seeded ({File.ReadAllText(Marker(data, bucket)).Trim()})");
            return;
        }
        string tinyDir = Path.Combine(data, "tiny");
        (int code, string output, _, _) = RunProcess(s_python, [Path.Combine(TestSupportPaths.RepoRoot, "benchmarks/e2e/make_tiny.py"), TestSupportPaths.CorpusSourceImages, tinyDir], null);
        if (code != 0)
        {
            throw new InvalidOperationException("make_tiny.py failed: " + output);
        }
        (string Ext, byte[] Bytes)[] tiny = [.. Directory.GetFiles(tinyDir).Order(StringComparer.Ordinal).Select(f => (Path.GetExtension(f), File.ReadAllBytes(f)))];
        var watch = Stopwatch.StartNew();
        await server.CreateBucketAsync(bucket);
        int perJob = count / jobs;
        int done = 0;
        var objects = Enumerable.Range(0, count + jobs).Select(i => i < jobs
            ? (Key: S3.Root + (40001 + i).ToString(CultureInfo.InvariantCulture) + "/url.txt", Bytes: Encoding.UTF8.GetBytes($"https://jobs.example.com/{40001 + i}\n"))
            : Item(i - jobs));
        (string Key, byte[] Bytes) Item(int n)
        {
            var t = tiny[n % tiny.Length];
            return (S3.Root + (40001 + (n / perJob)).ToString(CultureInfo.InvariantCulture) + "/img" + (n % perJob).ToString("D4", CultureInfo.InvariantCulture) + t.Ext, t.Bytes);
        }
        await Parallel.ForEachAsync(objects, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (it, ct) =>
        {
            await server.PutObjectAsync(bucket, it.Key, it.Bytes, ct);
            if (Interlocked.Increment(ref done) % 10_000 == 0)
            {
                Log($"{bucket}: {done} objects uploaded ({watch.Elapsed.TotalSeconds:0} s)");
            }
        });
        string note = $"{jobs} jobs x {perJob} images ({tiny.Length} distinct 64x64 JPEG/PNG, {tiny.Min(t => t.Bytes.Length)}-{tiny.Max(t => t.Bytes.Length)} bytes) + {jobs} url.txt = {count + jobs} objects";
        await File.WriteAllTextAsync(Marker(data, bucket), note + "\n");
        Log($"{bucket}: seeded {note} in {watch.Elapsed.TotalSeconds:0.0} s");
    }

    private static string RunDir(string name)
    {
        string dir = Path.Combine(s_work, name);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The original tool's main_config.yaml keys (both tools read the same file), absolute output paths.</summary>
    private static string WriteConfig(string dir, string bucket, string endpoint, int workers, string? decode = null)
    {
        string path = Path.Combine(dir, "main_config.yaml");
        File.WriteAllText(path, $"""
            aws:
              region: us-east-1
            s3:
              bucket: {bucket}
              root_prefix: '{S3.Root}'
              timeout_seconds: 120
              max_jobs_to_process: 0
              endpoint_url: {endpoint}
            hashing:
              mode: basic
              resize:
                width: 256
                height: 256
              workers: {workers}{(decode is null ? "" : "\n  decode: " + decode)}
            output:
              target: local_csv
              path: {Path.Combine(dir, "out", "hash_index")}
            state:
              path: {Path.Combine(dir, "out", "state.json")}

            """);
        return path;
    }

    private static bool s_phases;

    private static Sample Ours(string scenario, string config, int workers, int rep, Dictionary<string, string>? env = null)
    {
        (int code, string output, double wall, double rss) = RunProcess("dotnet", [s_host, s_manifest, config, workers.ToString(CultureInfo.InvariantCulture), s_phases ? "phases" : "-"], null, env);
        string json = output.Split('\n').LastOrDefault(l => l.StartsWith('{')) ?? throw new InvalidOperationException($"CmdletHost failed ({code}): {output}");
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement r = doc.RootElement;
        int failed = r.GetProperty("failed").GetInt32();
        int hashed = r.GetProperty("new").GetInt32() + r.GetProperty("changed").GetInt32() - failed;
        var s = new Sample(scenario, "HashIndexer (Update-HashIndex)", workers, rep, wall, r.GetProperty("run_s").GetDouble(), rss,
            r.GetProperty("total").GetInt32(), hashed, failed,
            $"import {r.GetProperty("import_s").GetDouble():0.00}s; host peak WS {r.GetProperty("peak_ws_mb").GetDouble():0}MB; {(r.TryGetProperty("progress_records", out JsonElement pr) ? pr.GetInt32() : -1)} progress records; phases {(r.TryGetProperty("phases", out JsonElement ph) ? ph.GetString() : "")}" + (code != 0 ? $"; exit {code}: {Trim(output)}" : ""));
        return Record(s);
    }

    private static Sample Python(string scenario, string config, string endpoint, int workers, int rep)
    {
        (int code, string output, double wall, double rss) = RunProcess(s_python, [s_seedIndexer, "--config", config, "--endpoint-url", endpoint], null);
        Match m = Regex.Match(output, @"jobs (\d+), listed (\d+), hashed (\d+), failed (\d+), seconds ([\d.]+)");
        if (!m.Success)
        {
            throw new InvalidOperationException($"seed_indexer.py failed ({code}): {output}");
        }
        int G(int i) => int.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture);
        var s = new Sample(scenario, "seed_indexer.py (original)", workers, rep, wall, double.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture), rss,
            G(2), G(3), G(4), code != 0 ? $"exit {code}" : "");
        return Record(s);
    }

    private static Sample Record(Sample s)
    {
        lock (s_samples)
        {
            s_samples.Add(s);
        }
        s_raw?.WriteLine(string.Join(',', s.Scenario.Replace(',', ';'), "\"" + s.Tool + "\"", s.Workers, s.Rep, s.WallSeconds.ToString("0.000"), s.ToolSeconds.ToString("0.000"),
            s.MaxRssMb.ToString("0.0"), s.Listed, s.Hashed, s.Failed, "\"" + s.Note.Replace('"', '\'') + "\""));
        Log($"{s.Scenario} | {s.Tool} x{s.Workers} #{s.Rep}: tool {s.ToolSeconds:0.00}s wall {s.WallSeconds:0.00}s rss {s.MaxRssMb:0}MB listed {s.Listed} hashed {s.Hashed} failed {s.Failed} {s.Note} (load {Load()})");
        return s;
    }

    private static string Trim(string s) => s.Length > 400 ? s[..400] : s.Replace('\n', ' ');

    /// <summary>Both tools from an empty state, same config, alternating which goes first; outputs compared byte for byte.</summary>
    private static Task CorpusAsync(string scenario, string endpoint, int[] workers, int reps, int images, string bucket = "corpus-jobs")
    {
        string runName = bucket == "corpus-jobs" ? "corpus" : bucket;
        for (int rep = 1; rep <= reps; rep++)
        {
            foreach (int w in workers)
            {
                string oursDir = RunDir($"{runName}-ours-{w}");
                string pyDir = RunDir($"{runName}-py-{w}");
                string oursConfig = WriteConfig(oursDir, bucket, endpoint, w);
                string pyConfig = WriteConfig(pyDir, bucket, endpoint, w);
                Sample a, b;
                if (rep % 2 == 1)
                {
                    a = Ours(scenario, oursConfig, w, rep);
                    b = Python(scenario, pyConfig, endpoint, w, rep);
                }
                else
                {
                    b = Python(scenario, pyConfig, endpoint, w, rep);
                    a = Ours(scenario, oursConfig, w, rep);
                }
                if (a.Hashed != images || b.Hashed != images)
                {
                    Log($"WARNING: expected {images} hashed; ours {a.Hashed} (failed {a.Failed}), original {b.Hashed} (failed {b.Failed})");
                }
                if (rep == 1)
                {
                    byte[] x = File.ReadAllBytes(Path.Combine(oursDir, "out", "hash_index.csv"));
                    byte[] y = File.ReadAllBytes(Path.Combine(pyDir, "out", "hash_index.csv"));
                    string same = x.AsSpan().SequenceEqual(y) ? "identical" : $"DIFFERENT ({x.Length} vs {y.Length} bytes)";
                    Log($"{scenario} x{w}: index CSVs of the two tools are {same}");
                    Record(new Sample(scenario, "index CSV ours vs original", w, rep, 0, 0, 0, 0, 0, 0, same));
                }
            }
        }
        return Task.CompletedTask;
    }

    private static void Breakdown(string scenario, string endpoint, int[] workers, int reps)
    {
        for (int rep = 1; rep <= reps; rep++)
        {
            foreach (int w in workers)
            {
                string dir = RunDir($"breakdown-{w}");
                string config = WriteConfig(dir, "corpus-jobs", endpoint, w);
                (int code, string output, double wall, double rss) = RunProcess("dotnet", [s_self, "breakdown", "--endpoint", endpoint, "--bucket", "corpus-jobs", "--config", config, "--workers", w.ToString(CultureInfo.InvariantCulture)], null);
                string json = output.Split('\n').LastOrDefault(l => l.StartsWith('{')) ?? throw new InvalidOperationException($"breakdown failed ({code}): {output}");
                using JsonDocument doc = JsonDocument.Parse(json);
                JsonElement r = doc.RootElement;
                int n = r.GetProperty("images").GetInt32();
                foreach (string part in new[] { "list_s", "download_s", "hash_s", "hash_warm_s", "hash_cores_s" })
                {
                    Record(new Sample(scenario + " (engine, each stage alone)", part switch
                    {
                        "list_s" => "stage: list jobs + url.txt + objects",
                        "download_s" => "stage: download every image",
                        "hash_s" => "stage: hash every image (bytes in memory), `workers` threads, first pass (cold JIT)",
                        "hash_warm_s" => "stage: hash every image, `workers` threads, second pass (warm)",
                        _ => "stage: hash every image, min(workers, cores) threads, third pass (warm)",
                    }, w, rep, wall, r.GetProperty(part).GetDouble(), rss, n, part.StartsWith("hash", StringComparison.Ordinal) ? n : 0, 0, $"{r.GetProperty("mb").GetDouble():0.0} MB"));
                }
            }
        }
    }

    private static void Small(string endpoint, int count, int workers, int reps, bool python)
    {
        string bucket = SmallBucket(count);
        string scenario = $"{count:N0} small objects";
        string last = "";
        for (int rep = 1; rep <= reps; rep++)
        {
            last = RunDir($"small-full-{rep}");
            Ours(scenario + ", full run", WriteConfig(last, bucket, endpoint, workers), workers, rep);
        }
        string noopConfig = Path.Combine(last, "main_config.yaml");
        for (int rep = 1; rep <= reps; rep++)
        {
            foreach (string mode in new[] { "sdk", "source" })
            {
                (int code, string output, double wall, double rss) = RunProcess("dotnet", [s_self, "list", "--endpoint", endpoint, "--bucket", bucket, "--mode", mode, "--concurrency", "8"], null);
                string json = output.Split('\n').LastOrDefault(l => l.StartsWith('{')) ?? throw new InvalidOperationException($"list failed ({code}): {output}");
                using JsonDocument doc = JsonDocument.Parse(json);
                JsonElement r = doc.RootElement;
                Record(new Sample(scenario + ", bare listing", mode == "sdk"
                        ? "bare listing: AWS SDK ListObjectsV2 (jobs, then every job's objects; 8 jobs in flight)"
                        : "bare listing: S3ImageSource (jobs + url.txt, then every job's objects; 8 jobs in flight)",
                    8, rep, wall, r.GetProperty("list_s").GetDouble(), rss, r.GetProperty("objects").GetInt32(), 0, 0, $"{r.GetProperty("jobs").GetInt32()} jobs"));
            }
            Ours(scenario + ", no-op rerun", noopConfig, workers, rep);
        }
        if (python)
        {
            string dir = RunDir("small-py");
            string config = WriteConfig(dir, bucket, endpoint, workers);
            Python(scenario + ", full run", config, endpoint, workers, 1);
            Python(scenario + ", no-op rerun", config, endpoint, workers, 1);
        }
    }

    /// <summary>Runs a child under GNU time: exit code, stdout+stderr, wall seconds (stopwatch), max RSS in MB.</summary>
    public static (int Code, string Output, double Wall, double MaxRssMb) RunProcess(string file, IEnumerable<string> args, string? cwd, Dictionary<string, string>? env = null)
    {
        string timeFile = Path.Combine(Path.GetTempPath(), "e2e-time-" + Guid.NewGuid().ToString("N")[..8]);
        var start = new ProcessStartInfo("/usr/bin/time") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (cwd is not null)
        {
            start.WorkingDirectory = cwd;
        }
        foreach (string a in new[] { "-f", "%e %M", "-o", timeFile, file }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["AWS_ACCESS_KEY_ID"] = S3rverFixture.AccessKey;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = S3rverFixture.SecretKey;
        start.Environment["AWS_DEFAULT_REGION"] = S3rverFixture.Region;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment.Remove("AWS_PROFILE");
        foreach (var kv in env ?? [])
        {
            start.Environment[kv.Key] = kv.Value;
        }
        var watch = Stopwatch.StartNew();
        using Process p = Process.Start(start)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        double wall = watch.Elapsed.TotalSeconds;
        double rss = 0;
        if (File.Exists(timeFile))
        {
            string[] t = File.ReadAllText(timeFile).Trim().Split('\n')[^1].Split(' ');
            rss = t.Length > 1 && double.TryParse(t[1], CultureInfo.InvariantCulture, out double kb) ? kb / 1024 : 0;
            File.Delete(timeFile);
        }
        return (p.ExitCode, output + err.Result, wall, rss);
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] v = [.. values.Order()];
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private static string Tables()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Load average at the end: {Load()}\n");
        sb.AppendLine("Times: best / median of the repetitions. `tool s` = the tool's own run (Update-HashIndex call after Import-Module; seed_indexer.py's printed seconds, after its imports); `process s` = the whole process, start to exit. Peak RSS = max resident set of the process (GNU time), highest of the repetitions.\n");
        foreach (var scenario in s_samples.Where(s => !s.Tool.StartsWith("index CSV", StringComparison.Ordinal)).GroupBy(s => s.Scenario))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"### {scenario.Key}\n");
            sb.AppendLine("| tool | workers | runs | listed | hashed | failed | tool s (best / median) | images/s (median) | process s (best / median) | peak RSS MB |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var g in scenario.GroupBy(s => (s.Tool, s.Workers)).OrderBy(g => g.Key.Workers))
            {
                double best = g.Min(s => s.ToolSeconds), med = Median(g.Select(s => s.ToolSeconds));
                double wbest = g.Min(s => s.WallSeconds), wmed = Median(g.Select(s => s.WallSeconds));
                int hashed = g.First().Hashed;
                string rate = hashed > 0 ? (hashed / med).ToString("0.0", CultureInfo.InvariantCulture) : "–";
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"| {g.Key.Tool} | {g.Key.Workers} | {g.Count()} | {g.First().Listed} | {hashed} | {g.Max(s => s.Failed)} | {best:0.00} / {med:0.00} | {rate} | {wbest:0.00} / {wmed:0.00} | {g.Max(s => s.MaxRssMb):0} |");
            }
            sb.AppendLine();
            var ours = scenario.Where(s => s.Tool.StartsWith("HashIndexer", StringComparison.Ordinal)).GroupBy(s => s.Workers).ToDictionary(g => g.Key, g => g.ToList());
            var orig = scenario.Where(s => s.Tool.StartsWith("seed_indexer", StringComparison.Ordinal)).GroupBy(s => s.Workers).ToDictionary(g => g.Key, g => g.ToList());
            if (ours.Keys.Intersect(orig.Keys).Any())
            {
                sb.AppendLine("| workers | original / ours, tool s (median) | same, best / best | original / ours, process s (median) | ratio range over the pairs of one repetition |");
                sb.AppendLine("|---:|---:|---:|---:|---:|");
                foreach (int w in ours.Keys.Intersect(orig.Keys).Order())
                {
                    double r1 = Median(orig[w].Select(s => s.ToolSeconds)) / Median(ours[w].Select(s => s.ToolSeconds));
                    double r2 = orig[w].Min(s => s.ToolSeconds) / ours[w].Min(s => s.ToolSeconds);
                    double r3 = Median(orig[w].Select(s => s.WallSeconds)) / Median(ours[w].Select(s => s.WallSeconds));
                    var pairs = ours[w].Join(orig[w], a => a.Rep, b => b.Rep, (a, b) => b.ToolSeconds / a.ToolSeconds).ToList();
                    sb.AppendLine(CultureInfo.InvariantCulture, $"| {w} | {r1:0.00}x | {r2:0.00}x | {r3:0.00}x | {pairs.Min():0.00}x – {pairs.Max():0.00}x |");
                }
                sb.AppendLine();
            }
        }
        var csv = s_samples.Where(s => s.Tool.StartsWith("index CSV", StringComparison.Ordinal)).ToList();
        if (csv.Count > 0)
        {
            sb.AppendLine("Index CSV, HashIndexer vs the original on the same bucket: " + string.Join("; ", csv.Select(s => $"{s.Scenario} x{s.Workers}: {s.Note}")));
        }
        return sb.ToString();
    }
}

internal static class Children
{
    private static string Json(params (string Name, double Value)[] values) =>
        "{" + string.Join(',', values.Select(v => $"\"{v.Name}\":{v.Value.ToString("0.####", CultureInfo.InvariantCulture)}")) + "}";

    /// <summary>Bare listing: "sdk" = ListObjectsV2 only (job prefixes, then every job's objects); "source" = the engine's
    /// S3ImageSource as IndexUpdater uses it (jobs with url.txt fetches in flight, then job listings side by side).</summary>
    public static async Task<int> ListAsync(Opts o)
    {
        string endpoint = o.Str("endpoint", ""), bucket = o.Str("bucket", "");
        int concurrency = o.Int("concurrency", 8);
        var watch = Stopwatch.StartNew();
        int jobs = 0, objects = 0;
        if (o.Str("mode", "sdk") == "sdk")
        {
            using AmazonS3Client client = S3.Client(endpoint);
            var prefixes = new List<string>();
            string? token = null;
            do
            {
                ListObjectsV2Response page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = S3.Root, Delimiter = "/", ContinuationToken = token });
                prefixes.AddRange(page.CommonPrefixes ?? []);
                token = page.IsTruncated == true ? page.NextContinuationToken : null;
            }
            while (token is not null);
            jobs = prefixes.Count;
            await Parallel.ForEachAsync(prefixes, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (prefix, ct) =>
            {
                string? t = null;
                int n = 0;
                do
                {
                    ListObjectsV2Response page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = t }, ct);
                    n += page.S3Objects?.Count ?? 0;
                    t = page.IsTruncated == true ? page.NextContinuationToken : null;
                }
                while (t is not null);
                Interlocked.Add(ref objects, n);
            });
        }
        else
        {
            using S3Connection connection = S3.Connection(endpoint);
            var source = new S3ImageSource(connection, bucket, S3.Root);
            var list = new List<ImageJob>();
            await foreach (ImageJob j in source.ListJobsAsync(CancellationToken.None))
            {
                list.Add(j);
            }
            jobs = list.Count;
            var skipped = new SkipCounter();
            await Parallel.ForEachAsync(list, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (job, ct) =>
            {
                int n = 0;
                await foreach (ImageObject _ in source.ListImagesAsync(job, skipped, ct))
                {
                    n++;
                }
                Interlocked.Add(ref objects, n);
            });
            objects += skipped.Count;
        }
        Console.WriteLine(Json(("list_s", watch.Elapsed.TotalSeconds), ("jobs", jobs), ("objects", objects)));
        return 0;
    }

    /// <summary>The three stages of a run, each alone: the updater's listing, then every download with N in flight
    /// (bytes kept), then hashing those bytes with N in parallel (no S3).</summary>
    public static async Task<int> BreakdownAsync(Opts o)
    {
        string endpoint = o.Str("endpoint", ""), bucket = o.Str("bucket", "");
        int workers = o.Int("workers", 16);
        HashIndexerConfig config = ConfigLoader.Load(o.Str("config", "")).Config;
        HashRequest request = IndexUpdater.BuildRequest(config);
        using S3Connection connection = S3.Connection(endpoint);
        var source = new S3ImageSource(connection, bucket, S3.Root);

        var watch = Stopwatch.StartNew();
        var jobs = new List<ImageJob>();
        await foreach (ImageJob j in source.ListJobsAsync(CancellationToken.None))
        {
            jobs.Add(j);
        }
        var images = new System.Collections.Concurrent.ConcurrentBag<ImageObject>();
        var skipped = new SkipCounter();
        await Parallel.ForEachAsync(jobs, new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(workers, 1, 8) }, async (job, ct) =>
        {
            await foreach (ImageObject img in source.ListImagesAsync(job, skipped, ct))
            {
                images.Add(img);
            }
        });
        double list = watch.Elapsed.TotalSeconds;

        watch.Restart();
        var bytes = new System.Collections.Concurrent.ConcurrentBag<ImageBytes>(); // kept for the hashing passes below
        await Parallel.ForEachAsync(images, new ParallelOptions { MaxDegreeOfParallelism = workers }, async (img, ct) => bytes.Add(await source.ReadAsync(img, ct)));
        double download = watch.Elapsed.TotalSeconds;
        long total = bytes.Sum(b => (long)b.Length);

        // Hashing alone (no S3): first pass in this process (cold: the JIT compiles the decoder and hash code while
        // it runs, as in every Update-HashIndex process), then warm passes with `workers` threads and with
        // min(workers, cores) threads (CPU-bound work: threads beyond the cores only add contention and memory).
        var hasher = new ImageHasher();
        int failed = 0;
        double HashPass(int threads)
        {
            var w = Stopwatch.StartNew();
            Parallel.ForEach(bytes, new ParallelOptions { MaxDegreeOfParallelism = threads }, b =>
            {
                try
                {
                    hasher.Hash(b.Memory, request);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failed);
                }
            });
            return w.Elapsed.TotalSeconds;
        }
        int cores = Math.Min(workers, Environment.ProcessorCount);
        double hash = HashPass(workers);
        double hashWarm = HashPass(workers);
        double hashCores = HashPass(cores);
        failed /= 3;
        Console.WriteLine(Json(("list_s", list), ("download_s", download), ("hash_s", hash), ("hash_warm_s", hashWarm), ("hash_cores_s", hashCores), ("images", images.Count), ("mb", total / 1e6), ("failed", failed)));
        return 0;
    }
}
