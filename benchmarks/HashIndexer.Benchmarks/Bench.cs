using System.Diagnostics;
using System.Globalization;
using HashIndexer.Engine.Hashing;

/// <summary>
/// bench DIR MODE WHAT WORKERS [PASSES]: images/s of one configuration on every image in DIR, best of PASSES
/// (default 3) passes, each file read from disk as a worker would; then the process's peak working set.
/// MODE = exact | fast; WHAT = phash | seed; WORKERS = a number or "all".
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
        double best = double.MaxValue;
        int errors = 0;
        for (int p = 0; p < passes; p++)
        {
            var sw = Stopwatch.StartNew();
            Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = workers }, f =>
            {
                try
                {
                    hasher.Hash(File.ReadAllBytes(f), request);
                }
                catch (ImageProcessingException)
                {
                    Interlocked.Increment(ref errors);
                }
            });
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        using var proc = Process.GetCurrentProcess();
        proc.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"ours " + args[1] + " " + args[2],-18} workers={workers} {files.Length} images, {mb:F1} MB: {files.Length / best:F1} images/s (best of {passes}), peak working set {proc.PeakWorkingSet64 / 1048576.0:F0} MB{(errors > 0 ? $", {errors / passes} errors" : string.Empty)}"));
        return 0;
    }
}
