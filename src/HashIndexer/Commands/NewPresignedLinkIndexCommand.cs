// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;
using System.Management.Automation;
using HashIndexer.Engine.Configuration;
using HashIndexer.Engine.Indexing;
using HashIndexer.Engine.Links;
using HashIndexer.Engine.S3;
using HashIndexer.Engine.Sources;

namespace HashIndexer.Commands;

/// <summary>
/// <para type="synopsis">Writes a presigned S3 link (SigV4, at most 7 days) for every image of the bucket, signing only new and expiring links on reruns.</para>
/// <para type="description">Lists the bucket's job folders and images as Update-HashIndex does, keeps the links of links.state_path that stay valid for longer than links.refresh_margin_days, signs the others, drops the links of deleted images, and writes links.output (image_name, presigned_url, generated_at, expires_at) atomically. On Linux and macOS the links file and the state are readable by their owner only: the URLs grant access to the photos. URLs are never written to the verbose or information streams.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "PresignedLinkIndex", SupportsShouldProcess = true)]
[OutputType(typeof(LinkIndexSummary))]
public sealed class NewPresignedLinkIndexCommand : S3AwareCmdlet
{
    /// <summary>One progress bar for the whole run, whatever the phase.</summary>
    private const int ProgressActivityId = 0x4C4B;

    #region Parameters

    /// <summary>main_config.yaml: s3.*, aws.* and the links section (enabled, expiry_days, workers, output, state_path, refresh_margin_days).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Config { get; set; } = string.Empty;

    /// <summary>How long new links are valid, in days (links.expiry_days): more than 0, at most 7 (the SigV4 limit).</summary>
    [Parameter]
    public double ExpiryDays { get; set; }

    /// <summary>The links file (links.output.path); the target's extension is appended unless present.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputPath { get; set; }

    /// <summary>Links signed at once (links.workers).</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; }

    /// <summary>Sign every link again, ignoring the links state.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    #endregion

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        HashIndexerConfig config = ConfigFile.Load(this, Config);
        string configPath = config.ConfigPath ?? Config;
        if (!config.Links.Enabled)
        {
            WriteWarning($"links.enabled is false in {configPath}: New-PresignedLinkIndex made no links and wrote nothing. Set links.enabled: true (with links.output.path and links.state_path) to make them.");
            return;
        }

        LinksSettings links = ApplyParameters(config.Links);
        if (string.IsNullOrEmpty(config.S3.Bucket))
        {
            ThrowSetupError(new ConfigurationException("s3.bucket", null, "missing: presigned links are made for the images of an S3 bucket"),
                ConfigurationException.ErrorId, ErrorCategory.InvalidData, configPath);
        }
        string bucket = config.S3.Bucket!;
        if (config.UsesLocalSource)
        {
            WriteVerbose($"source.local_path is set; links are made for the bucket s3://{bucket}/ all the same (a presigned URL points into S3).");
        }

        S3ConnectionOptions options = ConnectionOptions(config.ToConnectionOptions());
        using S3Connection connection = OpenConnection(options);
        var source = new S3ImageSource(connection, bucket, config.S3.RootPrefix, new S3ImageSourceOptions
        {
            MaxJobs = config.S3.MaxJobsToProcess,
            Extensions = config.Hashing.ImageExtensions,
        });
        using var reporter = new RunReporterQueue(ProgressActivityId);
        LinkIndexer indexer;
        try
        {
            indexer = new LinkIndexer(links, bucket, source, LinkSigner.For(connection), reporter);
        }
        catch (ConfigurationException ex)
        {
            ThrowSetupError(ex, ConfigurationException.ErrorId, ErrorCategory.InvalidArgument, configPath);
            throw; // not reached
        }

        string outputFile = Path.GetFullPath(links.OutputFilePath!);
        string days = links.ExpiryDays.ToString(CultureInfo.InvariantCulture);
        bool write = ShouldProcess(outputFile,
            $"Write presigned links ({days} days) for the images of {S3Uri.Format(bucket, source.RootPrefix)}, and the links state {links.StatePath}");

        LinkRunSummary summary = Run(indexer, reporter, new LinkIndexOptions { Force = Force.IsPresent, WhatIf = !write }, source);
        WriteObject(new LinkIndexSummary(summary.Total, summary.Generated, summary.Reused, summary.Removed, summary.OutputPath, summary.StatePath,
            summary.ExpiresAt, summary.Duration, summary.TemporaryCredentials, summary.CredentialExpiresAt, summary.WhatIf));
    }

    /// <summary>-ExpiryDays, -OutputPath and -ThrottleLimit over the file's links section, checked again.</summary>
    private LinksSettings ApplyParameters(LinksSettings links)
    {
        if (MyInvocation.BoundParameters.ContainsKey(nameof(ExpiryDays)))
        {
            links = links with { ExpiryDays = ExpiryDays };
        }
        if (OutputPath is not null)
        {
            links = links with { OutputPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutputPath) };
        }
        if (MyInvocation.BoundParameters.ContainsKey(nameof(ThrottleLimit)))
        {
            links = links with { Workers = ThrottleLimit };
        }
        try
        {
            LinkIndexer.Validate(links);
        }
        catch (ConfigurationException ex)
        {
            string origin = MyInvocation.BoundParameters.ContainsKey(nameof(ExpiryDays)) && ex.Key == "links.expiry_days" ? "-ExpiryDays" : Config;
            ThrowSetupError(ex, ConfigurationException.ErrorId, ErrorCategory.InvalidArgument, origin);
        }
        return links;
    }

    /// <summary>
    /// Runs the engine on the thread pool while this (the pipeline) thread writes what it reports, through the
    /// module's one run pump. Engine failures become terminating errors with their own ids.
    /// </summary>
    private LinkRunSummary Run(LinkIndexer indexer, RunReporterQueue reporter, LinkIndexOptions options, S3ImageSource source)
    {
        try
        {
            return reporter.Run(this, ct => indexer.RunAsync(options, ct), CancellationToken);
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (S3SetupException ex)
        {
            ThrowSetupError(ex, ex.ErrorId, SetupCategory(ex.ErrorId), S3Uri.Format(source.Bucket, source.RootPrefix));
        }
        catch (S3ObjectException ex)
        {
            ThrowSetupError(ex, ex.ErrorId, ErrorCategory.ReadError, ex.Location);
        }
        catch (StateLockedException ex)
        {
            ThrowSetupError(ex, StateLockedException.ErrorId, ErrorCategory.ResourceBusy, ex.LockPath);
        }
        catch (ConfigurationException ex)
        {
            ThrowSetupError(ex, ConfigurationException.ErrorId, ErrorCategory.InvalidArgument, Config);
        }
        catch (InvalidDataException ex)
        {
            ThrowSetupError(ex, "LinkStateInvalid", ErrorCategory.InvalidData, indexer.StatePath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowSetupError(ex, "LinkFileWriteFailed", ErrorCategory.WriteError, indexer.OutputPath);
        }
        throw new InvalidOperationException("not reached: ThrowSetupError always throws");
    }
}
