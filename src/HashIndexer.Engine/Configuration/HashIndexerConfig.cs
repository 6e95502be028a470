// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Sources;

namespace HashIndexer.Engine.Configuration;

/// <summary>hashing.mode: basic = original, h_flip, v_flip; advanced adds one column per permutation.</summary>
public enum HashingMode
{
    Basic,
    Advanced,
}

/// <summary>output.target / links.output.target.</summary>
public enum OutputTarget
{
    LocalCsv,
    LocalParquet,
}

/// <summary>Optional index columns (output.extra_columns), written after the original six (and the permutation columns).</summary>
public enum ExtraColumn
{
    ETag,
    Size,
    LastModified,
    Sha256,
    Width,
    Height,
}

/// <summary>A loaded, validated main_config.yaml: every path absolute, every default filled in.</summary>
public sealed record HashIndexerConfig
{
    /// <summary>The YAML file it came from (absolute), or null when built in code.</summary>
    public string? ConfigPath { get; init; }

    public AwsSettings Aws { get; init; } = new();

    public S3Settings S3 { get; init; } = new();

    public SourceSettings Source { get; init; } = new();

    public HashingSettings Hashing { get; init; } = new();

    public OutputSettings Output { get; init; } = new();

    public StateSettings State { get; init; } = new();

    public LinksSettings Links { get; init; } = new();

    /// <summary>True when source.local_path is set: images come from that folder, not from S3.</summary>
    public bool UsesLocalSource => Source.LocalPath is not null;

    /// <summary>Applies parameter values over the file's values (null members leave the file's value).</summary>
    public HashIndexerConfig With(ConfigOverrides overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        string Abs(string p) => Path.GetFullPath(p, overrides.BaseDirectory ?? Environment.CurrentDirectory);
        if (overrides.MaxJobs is < 0)
        {
            throw new ConfigurationException("MaxJobs", overrides.MaxJobs.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "0 (all jobs) or more");
        }
        if (overrides.ThrottleLimit is < 1)
        {
            throw new ConfigurationException("ThrottleLimit", overrides.ThrottleLimit.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "1 or more");
        }
        return this with
        {
            S3 = S3 with
            {
                Bucket = overrides.Bucket ?? S3.Bucket,
                RootPrefix = overrides.RootPrefix ?? S3.RootPrefix,
                MaxJobsToProcess = overrides.MaxJobs is int m ? (m == 0 ? null : m) : S3.MaxJobsToProcess,
                EndpointUrl = overrides.EndpointUrl ?? S3.EndpointUrl,
            },
            Source = overrides.LocalPath is null ? Source : Source with { LocalPath = Abs(overrides.LocalPath) },
            Hashing = Hashing with { Workers = overrides.ThrottleLimit ?? Hashing.Workers },
            Output = Output with
            {
                Path = overrides.OutputPath is null ? Output.Path : Abs(overrides.OutputPath),
                Target = overrides.OutputTarget ?? Output.Target,
            },
            State = overrides.StatePath is null ? State : State with { Path = Abs(overrides.StatePath) },
        };
    }
}

/// <summary>aws.*: credentials and region for the S3 source (never logged).</summary>
public sealed record AwsSettings
{
    public string? Region { get; init; }

    public string? Profile { get; init; }

    public string? AssumeRoleArn { get; init; }

    public string? ExternalId { get; init; }
}

/// <summary>s3.*</summary>
public sealed record S3Settings
{
    /// <summary>Required unless source.local_path is set.</summary>
    public string? Bucket { get; init; }

    /// <summary>Prefix above the job folders, as written in the file (e.g. "jobs/"); "" = the bucket's top level.</summary>
    public string RootPrefix { get; init; } = "";

    public int TimeoutSeconds { get; init; } = 300;

    /// <summary>Only the first N jobs (ordinal order); null = all. 0 in the file also means all, as in the original.</summary>
    public int? MaxJobsToProcess { get; init; }

    /// <summary>S3-compatible endpoint (MinIO, Ceph, a test server); null = AWS.</summary>
    public string? EndpointUrl { get; init; }
}

/// <summary>source.*</summary>
public sealed record SourceSettings
{
    /// <summary>A local folder laid out like the bucket's root prefix (absolute); null = read from S3.</summary>
    public string? LocalPath { get; init; }
}

/// <summary>hashing.*</summary>
public sealed record HashingSettings
{
    public HashingMode Mode { get; init; } = HashingMode.Basic;

    public int ResizeWidth { get; init; } = 256;

    public int ResizeHeight { get; init; } = 256;

    /// <summary>Images downloaded and hashed at once; memory grows with it (one encoded and one decoded image per worker).</summary>
    public int Workers { get; init; } = 16;

    public DecodeMode Decode { get; init; } = DecodeMode.Exact;

    public bool AutoOrient { get; init; }

    /// <summary>Advanced mode only: one <c>&lt;name&gt;_hash</c> column each, in this order.</summary>
    public IReadOnlyList<Hashing.Permutation> PermutationDefinitions { get; init; } = [];

    /// <summary>The permutation column names (each written as <c>&lt;name&gt;_hash</c>), in order.</summary>
    public IReadOnlyList<string> Permutations => PermutationDefinitions.Select(p => p.Name).ToArray();

    /// <summary>Lower-case, with the leading dot.</summary>
    public IReadOnlyList<string> ImageExtensions { get; init; } = Sources.ImageExtensions.Default;
}

/// <summary>output.*</summary>
public sealed record OutputSettings
{
    public OutputTarget Target { get; init; } = OutputTarget.LocalCsv;

    /// <summary>output.path as configured (absolute); the file written is <see cref="FilePath"/>.</summary>
    public string Path { get; init; } = "";

    public IReadOnlyList<ExtraColumn> ExtraColumns { get; init; } = [];

    /// <summary>The index file: path + ".csv" or ".parquet", unless it already ends so (as the original's output_file).</summary>
    public string FilePath => OutputPaths.IndexFile(Target, Path);
}

/// <summary>state.*</summary>
public sealed record StateSettings
{
    /// <summary>The state file (absolute). Its lock is <c>&lt;path&gt;.lock</c>.</summary>
    public string Path { get; init; } = "";

    /// <summary>Save index and state after this many hashed images (0 = only by time).</summary>
    public int CheckpointImages { get; init; } = 5000;

    /// <summary>Save index and state after this many seconds of hashing (0 = only by count).</summary>
    public int CheckpointSeconds { get; init; } = 300;
}

/// <summary>links.*: presigned links (a separate command); loaded and validated here.</summary>
public sealed record LinksSettings
{
    /// <summary>SigV4 presigned URLs live at most 7 days (604,800 seconds).</summary>
    public const double MaxExpiryDays = 7;

    public bool Enabled { get; init; }

    public double ExpiryDays { get; init; } = 7;

    public int Workers { get; init; } = 16;

    public OutputTarget OutputTarget { get; init; } = OutputTarget.LocalCsv;

    /// <summary>Absolute; null when links are disabled and no path is given.</summary>
    public string? OutputPath { get; init; }

    public string? StatePath { get; init; }

    /// <summary>Links expiring within this many days are renewed.</summary>
    public double RefreshMarginDays { get; init; } = 1;

    public string? OutputFilePath => OutputPath is null ? null : OutputPaths.IndexFile(OutputTarget, OutputPath);
}

/// <summary>Parameter values that replace the file's (cmdlet parameters). Relative paths resolve against <see cref="BaseDirectory"/>.</summary>
public sealed record ConfigOverrides
{
    /// <summary>Where relative override paths resolve (the cmdlet's current file-system location); null = the process's current directory.</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>0 = all jobs.</summary>
    public int? MaxJobs { get; init; }

    public string? OutputPath { get; init; }

    public OutputTarget? OutputTarget { get; init; }

    public string? StatePath { get; init; }

    /// <summary>Replaces hashing.workers.</summary>
    public int? ThrottleLimit { get; init; }

    public string? LocalPath { get; init; }

    public string? Bucket { get; init; }

    public string? RootPrefix { get; init; }

    public string? EndpointUrl { get; init; }
}

/// <summary>Output file naming, shared by the index and the links file.</summary>
public static class OutputPaths
{
    public static string Extension(OutputTarget target) => target == OutputTarget.LocalParquet ? ".parquet" : ".csv";

    /// <summary>Appends the target's extension unless the path already ends in it (case-insensitive, unlike the original, so 'Index.CSV' is not doubled either).</summary>
    public static string IndexFile(OutputTarget target, string path)
    {
        string ext = Extension(target);
        return path.EndsWith(ext, StringComparison.OrdinalIgnoreCase) ? path : path + ext;
    }
}
