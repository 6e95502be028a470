// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Management.Automation;
using HashIndexer.Engine.Configuration;
using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Indexing;
using HashIndexer.Engine.S3;
using HashIndexer.Engine.Sources;

namespace HashIndexer.Commands;

/// <summary>
/// <para type="synopsis">The nightly job: hashes new and changed images, drops deleted ones, and writes the index atomically.</para>
/// </summary>
[Cmdlet(VerbsData.Update, "HashIndex", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IndexUpdateSummary))]
public sealed class UpdateHashIndexCommand : S3AwareCmdlet
{
    private const int ProgressActivityBase = 0x4849;
    private static readonly ImageHasher s_hasher = new();

    #region Parameters

    /// <summary>The original tool's main_config.yaml (relative paths inside resolve against its folder).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Config { get; set; } = string.Empty;

    /// <summary>Only the first N jobs (overrides s3.max_jobs_to_process); 0: all.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? MaxJobs { get; set; }

    /// <summary>The index path (overrides output.path); the extension follows output.target.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputPath { get; set; }

    /// <summary>The state file (overrides state.path).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StatePath { get; set; }

    /// <summary>Images hashed in parallel (overrides hashing.workers).</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int? ThrottleLimit { get; set; }

    /// <summary>Ignore the state and hash every image again.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>
    /// End with a terminating error (so `pwsh -Command` exits with code 1) when any image failed; for
    /// Task Scheduler, cron and runbooks. A run that aborts is always a terminating error.
    /// </summary>
    [Parameter]
    public SwitchParameter FailOnError { get; set; }

    #endregion

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        HashIndexerConfig config = ConfigFile.Load(this, Config, new ConfigOverrides
        {
            MaxJobs = MaxJobs,
            OutputPath = OutputPath,
            StatePath = StatePath,
            ThrottleLimit = ThrottleLimit,
        });
        // -WhatIf and $WhatIfPreference both answer "no, because WhatIf": then the run lists what it would do and
        // writes nothing. A "no" at a -Confirm prompt ends it here.
        string action = $"Update the hash index {config.Output.FilePath} and its state {config.State.Path}";
        bool write = ShouldProcess(action, action + "?", "Update-HashIndex", out ShouldProcessReason reason);
        if (!write && reason != ShouldProcessReason.WhatIf)
        {
            return;
        }
        bool whatIf = !write;

        using S3Connection? connection = config.UsesLocalSource ? null : OpenConnection(ConnectionOptions(config.ToConnectionOptions()));
        using var reporter = new RunReporterQueue(ProgressActivityBase);
        var options = new IndexUpdateOptions
        {
            Force = Force.IsPresent,
            WhatIf = whatIf,
        };

        IndexRunSummary summary;
        try
        {
            IImageSource source = CreateSource(config, connection);
            var updater = new IndexUpdater(config, source, s_hasher.Hash, reporter);
            summary = reporter.Run(this, ct => updater.RunAsync(options, ct), CancellationToken);
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (StateLockedException ex)
        {
            ThrowSetupError(ex, "StateLocked", ErrorCategory.ResourceBusy, ex.LockPath);
            return;
        }
        catch (S3SetupException ex)
        {
            ThrowSetupError(ex, ex.ErrorId, SetupCategory(ex.ErrorId), S3Uri.Format(config.S3.Bucket ?? string.Empty, config.S3.RootPrefix));
            return;
        }
        catch (S3ObjectException ex)
        {
            ThrowSetupError(ex, ex.ErrorId, ErrorCategory.ReadError, ex.Location);
            return;
        }
        catch (DirectoryNotFoundException ex) when (config.UsesLocalSource && !Directory.Exists(config.Source.LocalPath))
        {
            ThrowSetupError(ex, "SourceNotFound", ErrorCategory.ObjectNotFound, config.Source.LocalPath);
            return;
        }
        catch (InvalidDataException ex)
        {
            ThrowSetupError(ex, "StateInvalid", ErrorCategory.InvalidData, config.State.Path);
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowSetupError(ex, "IndexWriteFailed", ErrorCategory.WriteError, config.Output.FilePath);
            return;
        }

        if (whatIf)
        {
            // -WhatIf lists what a run would do, one line per image, through PowerShell's own WhatIf output.
            foreach (string key in summary.ToHash)
            {
                ShouldProcess(key, "Hash image");
            }
            foreach (string key in summary.ToRemove)
            {
                ShouldProcess(key, "Remove from the index");
            }
        }

        WriteObject(new IndexUpdateSummary
        {
            Total = summary.Total,
            New = summary.New,
            Changed = summary.Changed,
            Unchanged = summary.Unchanged,
            Deleted = summary.Deleted,
            Failed = summary.Failed,
            Skipped = summary.Skipped,
            Errors = summary.Errors,
            Duration = summary.Duration,
            OutputPath = summary.OutputPath,
            StatePath = summary.StatePath,
            Jobs = summary.Jobs,
            IndexRows = summary.IndexRows,
            WhatIf = summary.WhatIf,
        });

        if (FailOnError && summary.Failed > 0)
        {
            ThrowSetupError(
                new InvalidOperationException($"{summary.Failed} image(s) could not be hashed (first: {(summary.Errors.Count > 0 ? summary.Errors[0] : "none recorded")}). They are left out of the index and retried on the next run."),
                "HashIndexImagesFailed", ErrorCategory.InvalidResult, summary.OutputPath);
        }
    }

    private static IImageSource CreateSource(HashIndexerConfig config, S3Connection? connection)
    {
        if (connection is null)
        {
            return new LocalFolderSource(config.Source.LocalPath!, config.Hashing.ImageExtensions);
        }
        return new S3ImageSource(connection, config.S3.Bucket!, config.S3.RootPrefix, new S3ImageSourceOptions
        {
            Extensions = config.Hashing.ImageExtensions,
            // Only the first N jobs' url.txt files are fetched (s3.max_jobs_to_process, -MaxJobs).
            MaxJobs = config.S3.MaxJobsToProcess,
        });
    }
}
