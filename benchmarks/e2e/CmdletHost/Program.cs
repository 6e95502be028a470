// One Update-HashIndex run through the real PowerShell engine, as a user runs it:
//   Import-Module ./HashIndexer.psd1; Update-HashIndex -Config x.yaml -AccessKey S3RVER -SecretKey S3RVER [-ThrottleLimit N]
// Usage: CmdletHost <manifest> <config.yaml> [throttle-limit, 0 = the config's workers]
// Prints one JSON line: seconds to import the module, seconds of the Update-HashIndex call (and its CPU seconds and
// minor page faults), its summary, and this process's peak working set (the host process: engine, module, AWS SDK,
// PowerShell).
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

string manifest = args[0];
string config = args[1];
int throttle = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 0;
// "phases": run with -Verbose and note when the run's own messages arrive (state loaded, jobs found, images listed,
// index saved), to split the time into phases. The messages pass through the cmdlet's reporter queue, so each time is
// when the pipeline thread wrote it (a few ms late at most).
bool phases = args.Length > 3 && args[3] == "phases";
// HOST_VERBOSE_TIMES=1 (with "phases"): every verbose message with its time, to stderr (exploration).
bool verboseTimes = Environment.GetEnvironmentVariable("HOST_VERBOSE_TIMES") == "1";

var total = Stopwatch.StartNew();
// JIT work of this process, to tell warm-up from steady work: methods compiled and time spent compiling.
(long Methods, TimeSpan Time) Jit() => (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
var jitStart = Jit();
using JitBreakdown? breakdown = Environment.GetEnvironmentVariable("HOST_JIT_BREAKDOWN") is "1" or "2" ? new JitBreakdown() : null;
using AllocationBreakdown? allocations = Environment.GetEnvironmentVariable("HOST_ALLOC_BREAKDOWN") == "1" ? new AllocationBreakdown() : null;
using Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
runspace.Open();
using (PowerShell import = PowerShell.Create())
{
    import.Runspace = runspace;
    import.AddScript("Import-Module $args[0] -ErrorAction Stop").AddArgument(manifest).Invoke();
}
double importSeconds = total.Elapsed.TotalSeconds;
var jitImported = Jit();
breakdown?.Counts.Clear();
allocations?.Bytes.Clear();
long allocatedAtImport = GC.GetTotalAllocatedBytes();

using PowerShell ps = PowerShell.Create();
ps.Runspace = runspace;
string script = "Update-HashIndex -Config $args[0] -AccessKey S3RVER -SecretKey S3RVER -Region us-east-1"
    + (throttle > 0 ? " -ThrottleLimit " + throttle.ToString(CultureInfo.InvariantCulture) : "")
    + (phases ? " -Verbose" : "");
ps.AddScript(script).AddArgument(config);
TimeSpan cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
long faultsAtStart = MinorFaults();
var run = Stopwatch.StartNew();
var marks = new Dictionary<string, double>(StringComparer.Ordinal);
ps.Streams.Verbose.DataAdded += (_, e) =>
{
    string m = ps.Streams.Verbose[e.Index].Message;
    if (verboseTimes)
    {
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{run.Elapsed.TotalSeconds:0.000} {m}"));
    }
    string? mark = m.StartsWith("Loaded state", StringComparison.Ordinal) || m.StartsWith("No state", StringComparison.Ordinal) ? "state_loaded"
        : m.StartsWith("Found ", StringComparison.Ordinal) ? "jobs_found"
        : m.StartsWith("Listed ", StringComparison.Ordinal) ? "images_listed"
        : m.StartsWith("Index written", StringComparison.Ordinal) || m.StartsWith("Index unchanged", StringComparison.Ordinal) ? "saved"
        : m.StartsWith("Done in", StringComparison.Ordinal) ? "done"
        : null;
    if (mark is not null)
    {
        marks.TryAdd(mark, run.Elapsed.TotalSeconds);
    }
};
PSObject summary;
try
{
    summary = ps.Invoke().Single();
}
catch (RuntimeException ex)
{
    Console.Error.WriteLine("ERROR: " + ex.Message);
    return 1;
}
double runSeconds = run.Elapsed.TotalSeconds;
double runCpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalSeconds;
long runFaults = MinorFaults() - faultsAtStart;
var jitRun = Jit();
if (breakdown is not null)
{
    foreach (var kv in breakdown.Counts.OrderByDescending(kv => kv.Value).Take(60))
    {
        Console.Error.WriteLine($"{kv.Value,6} {kv.Key}");
    }
}
if (allocations is not null)
{
    Console.Error.WriteLine($"allocated during the run: {(GC.GetTotalAllocatedBytes() - allocatedAtImport) / 1048576.0:0} MB; sampled by type (MB):");
    foreach (var kv in allocations.Bytes.OrderByDescending(kv => kv.Value).Take(25))
    {
        Console.Error.WriteLine($"{kv.Value / 1048576.0,8:0.0} {kv.Key}");
    }
}
foreach (ErrorRecord e in ps.Streams.Error.Take(5))
{
    Console.Error.WriteLine("ERROR: " + e);
}

int Count(string name) => (int)summary.Properties[name].Value;
double duration = ((TimeSpan)summary.Properties["Duration"].Value).TotalSeconds;
using Process self = Process.GetCurrentProcess();
self.Refresh();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"import_s\":{importSeconds:0.000},\"run_s\":{runSeconds:0.000},\"run_cpu_s\":{runCpuSeconds:0.000},\"run_minflt\":{runFaults},\"duration_s\":{duration:0.000},\"total\":{Count("Total")},\"new\":{Count("New")},\"changed\":{Count("Changed")},\"unchanged\":{Count("Unchanged")},\"failed\":{Count("Failed")},\"peak_ws_mb\":{self.PeakWorkingSet64 / 1048576.0:0.0},\"errors\":{ps.Streams.Error.Count},\"progress_records\":{ps.Streams.Progress.Count},\"allocated_mb\":{GC.GetTotalAllocatedBytes() / 1048576.0:0},\"gc2\":{GC.CollectionCount(2)},\"gc_pause_ms\":{GC.GetTotalPauseDuration().TotalMilliseconds:0},\"jit_import\":\"{jitImported.Methods - jitStart.Methods} methods {(jitImported.Time - jitStart.Time).TotalSeconds:0.00}s\",\"jit_run\":\"{jitRun.Methods - jitImported.Methods} methods {(jitRun.Time - jitImported.Time).TotalSeconds:0.00}s\",\"phases\":\"{string.Join(' ', marks.Select(kv => $"{kv.Key}={kv.Value:0.00}"))}\"}}"));
return ps.Streams.Error.Count == 0 ? 0 : 1;

// Minor page faults of this process so far (Linux: /proc/self/stat field 10; -1 elsewhere): each is a page touched for
// the first time (or after the allocator gave it back), about a microsecond of kernel time.
static long MinorFaults()
{
    try
    {
        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }
    catch (IOException)
    {
        return -1;
    }
}

/// <summary>With HOST_JIT_BREAKDOWN=1: methods jitted per namespace root, printed at exit (exploration).</summary>
internal sealed class JitBreakdown : System.Diagnostics.Tracing.EventListener
{
    public readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> Counts = new(StringComparer.Ordinal);

    private static readonly bool s_byType = Environment.GetEnvironmentVariable("HOST_JIT_BREAKDOWN") == "2";

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)(0x10 | 0x2000000000));
        }
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (e.EventName is "MethodJittingStarted_V1" or "R2RGetEntryPoint" && e.Payload is { } p)
        {
            string ns = (string)p[e.PayloadNames!.IndexOf("MethodNamespace")]!;
            // HOST_JIT_BREAKDOWN=2: jitted methods by their full type name (R2R lookups left out), to see what is not precompiled.
            if (s_byType && e.EventName == "R2RGetEntryPoint")
            {
                return;
            }
            string root = s_byType ? ns : (e.EventName == "R2RGetEntryPoint" ? "R2R " : "") + string.Join('.', ns.Split('.').Take(2));
            Counts.AddOrUpdate(root, 1, (_, c) => c + 1);
        }
    }
}

/// <summary>With HOST_ALLOC_BREAKDOWN=1: bytes allocated per type during the run, from the GC's ~100 KB allocation samples (exploration).</summary>
internal sealed class AllocationBreakdown : System.Diagnostics.Tracing.EventListener
{
    public readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> Bytes = new(StringComparer.Ordinal);

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (e.EventName is { } name && name.StartsWith("GCAllocationTick", StringComparison.Ordinal) && e.Payload is { } p)
        {
            string type = (string)p[e.PayloadNames!.IndexOf("TypeName")]!;
            long amount = Convert.ToInt64(p[e.PayloadNames.IndexOf("AllocationAmount64")], CultureInfo.InvariantCulture);
            Bytes.AddOrUpdate(type, amount, (_, c) => c + amount);
        }
    }
}
