using System.Diagnostics;
using System.Globalization;
using HashIndexer.Engine.Hashing;

/// <summary>
/// bench DIR MODE WHAT WORKERS [PASSES]: images/s of one configuration on every image in DIR, best of PASSES
/// (default 3) passes, each file read from disk as a worker would; then the process's peak working set.
/// MODE = exact | fast; WHAT = phash | seed; WORKERS = a number or "all".
/// Workers take the next file one at a time (a shared counter, as the module's work queue does), so a pass ends
/// at most one image after the other worker. Also printed, because the machine is shared and wall-clock
/// numbers are noisy: CPU time (user + system) per image of the best pass, and the GC activity over all passes
/// (collections per generation, total pause, bytes allocated per image).
/// </summary>
internal static class Bench
{
    public static int Run(string[] args)
    {
        if (args.Length < 4)
        {
            Console.Error.WriteLine("usage: bench DIR exact|fast phash|seed WORKERS|all [PASSES]");
            return 2;
        }
        string dir = args[0];
        bool fast = args[1] == "fast";
        bool seed = args[2] == "seed";
        int workers = args[3] == "all" ? Environment.ProcessorCount : int.Parse(args[3], CultureInfo.InvariantCulture);
        int passes = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 3;
        string[] files = Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToArray();
        double mb = files.Sum(f => new FileInfo(f).Length) / 1e6;
        var request = new HashRequest
        {
            Algorithms = seed ? [] : [HashAlgorithmKind.PHash],
            Seed = seed ? new SeedOptions() : null,
            Decode = new DecodeOptions { Mode = fast ? DecodeMode.Fast : DecodeMode.Exact },
        };
        var hasher = new ImageHasher();
        if (Environment.GetEnvironmentVariable("HASHINDEXER_NO_ROW_STREAMING") == "1")
        {
            HashIndexer.Engine.Hashing.ImageHasher.RowStreaming = false;
        }
        double best = double.MaxValue, bestCpu = 0;
        (double OnCpu, double Waiting, double Blocked, double Busiest) bestSched = default;
        int errors = 0;
        using var proc = Process.GetCurrentProcess();
        int gc0 = GC.CollectionCount(0), gc1 = GC.CollectionCount(1), gc2 = GC.CollectionCount(2);
        TimeSpan pause0 = GC.GetTotalPauseDuration();
        long alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        for (int p = 0; p < passes; p++)
        {
            proc.Refresh();
            TimeSpan cpu0 = proc.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            int next = -1;
            var threads = new Thread[workers];
            var sched = new (double OnCpu, double Waiting, double Wall)[workers];
            for (int t = 0; t < workers; t++)
            {
                int worker = t;
                threads[t] = new Thread(() =>
                {
                    (double cpu0, double wait0) = SchedStat();
                    var wall = Stopwatch.StartNew();
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < files.Length)
                    {
                        try
                        {
                            hasher.Hash(File.ReadAllBytes(files[i]), request);
                        }
                        catch (ImageProcessingException)
                        {
                            Interlocked.Increment(ref errors);
                        }
                    }
                    (double cpu1, double wait1) = SchedStat();
                    sched[worker] = (cpu1 - cpu0, wait1 - wait0, wall.Elapsed.TotalMilliseconds);
                });
                threads[t].Start();
            }
            foreach (Thread t in threads)
            {
                t.Join();
            }
            double s = sw.Elapsed.TotalSeconds;
            proc.Refresh();
            if (s < best)
            {
                best = s;
                bestCpu = (proc.TotalProcessorTime - cpu0).TotalMilliseconds / files.Length;
                bestSched = (sched.Sum(x => x.OnCpu), sched.Sum(x => x.Waiting), sched.Sum(x => Math.Max(0, x.Wall - x.OnCpu - x.Waiting)),
                    sched.Max(x => x.Wall - x.Waiting));
            }
        }
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
        double pauseMs = (GC.GetTotalPauseDuration() - pause0).TotalMilliseconds;
        proc.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"ours " + args[1] + " " + args[2],-18} workers={workers} {files.Length} images, {mb:F1} MB: {files.Length / best:F1} images/s (best of {passes}), peak working set {proc.PeakWorkingSet64 / 1048576.0:F0} MB{(errors > 0 ? $", {errors / passes} errors" : string.Empty)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{string.Empty,-18}   cpu {bestCpu:F1} ms/image; GC gen0/1/2 {GC.CollectionCount(0) - gc0}/{GC.CollectionCount(1) - gc1}/{GC.CollectionCount(2) - gc2}, pause {pauseMs:F0} ms, allocated {allocated / (double)(files.Length * passes) / 1e6:F2} MB/image"));
        if (bestSched.Busiest > 0)
        {
            // /proc/thread-self/schedstat: time on a CPU and time runnable but waiting for one (other processes'
            // load); the rest of a worker's wall time it was blocked (locks, GC suspension, I/O).
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{string.Empty,-18}   workers: on cpu {bestSched.OnCpu:F0} ms, runnable waiting for a core {bestSched.Waiting:F0} ms, blocked {bestSched.Blocked:F0} ms; without the wait for a core: {files.Length / (bestSched.Busiest / 1000):F1} images/s"));
        }
        return 0;
    }

    /// <summary>This thread's time on a CPU and time runnable waiting for one, in ms (0, 0 where /proc is missing).</summary>
    private static (double OnCpu, double Waiting) SchedStat()
    {
        try
        {
            string[] f = File.ReadAllText("/proc/thread-self/schedstat").Split(' ');
            return (long.Parse(f[0], CultureInfo.InvariantCulture) / 1e6, long.Parse(f[1], CultureInfo.InvariantCulture) / 1e6);
        }
        catch (IOException)
        {
            return (0, 0);
        }
        catch (UnauthorizedAccessException)
        {
            return (0, 0);
        }
    }
}
