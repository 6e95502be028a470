// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Management.Automation;
using HashIndexer.Engine.Configuration;
using HashIndexer.Engine.S3;
using HashIndexer.Engine.Sources;

namespace HashIndexer.Commands;

/// <summary>
/// <para type="synopsis">Lists the job folders under the root prefix of an S3 bucket, with each job's url.txt.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "S3ImageJob", DefaultParameterSetName = BucketSet)]
[OutputType(typeof(S3ImageJob))]
public sealed class GetS3ImageJobCommand : S3AwareCmdlet
{
    private const string BucketSet = "Bucket";
    private const string ConfigSet = "Config";
    private const int ProgressActivityId = 0x5331;

    #region Parameters

    /// <summary>The original tool's main_config.yaml: bucket, root prefix, max jobs and connection settings.</summary>
    [Parameter(ParameterSetName = ConfigSet, Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Config { get; set; } = string.Empty;

    /// <summary>The bucket (s3.bucket).</summary>
    [Parameter(ParameterSetName = BucketSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string BucketName { get; set; } = string.Empty;

    /// <summary>The root prefix the job folders sit under (s3.root_prefix), e.g. 'ODM Duplicate Image/'.</summary>
    [Parameter(ParameterSetName = BucketSet, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("RootPrefix", "KeyPrefix")]
    public string? Prefix { get; set; }

    /// <summary>Only the first N jobs, in key order (s3.max_jobs_to_process). 0: all.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int MaxJobs { get; set; }

    #endregion

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var request = JobListingRequest.From(this);
        S3ConnectionOptions options = ConnectionOptions(request.Connection);
        using S3Connection connection = OpenConnection(options);
        var source = new S3ImageSource(connection, request.Bucket, request.RootPrefix, new S3ImageSourceOptions
        {
            MaxJobs = MaxJobs > 0 ? MaxJobs : request.MaxJobs,
            Extensions = request.Extensions,
        });
        WriteVerbose($"Listing jobs under {S3Uri.Format(source.Bucket, source.RootPrefix)}.");

        var progress = new ProgressRecord(ProgressActivityId, "Listing S3 jobs", S3Uri.Format(source.Bucket, source.RootPrefix));
        int count = 0;
        try
        {
            foreach (ImageJob job in EnumerateSync(ct => source.ListJobsAsync(ct)))
            {
                count++;
                if (count % 100 == 1)
                {
                    progress.StatusDescription = $"{count} jobs listed";
                    WriteProgress(progress);
                }
                WriteObject(new S3ImageJob(job.JobNumber, job.JobUrl, source.Bucket, job.Prefix, options, request.Extensions));
            }
        }
        catch (S3SetupException ex)
        {
            ThrowSetupError(ex, ex.ErrorId, SetupCategory(ex.ErrorId), S3Uri.Format(source.Bucket, source.RootPrefix));
        }
        catch (S3ObjectException ex)
        {
            ThrowSetupError(ex, ex.ErrorId, ErrorCategory.ReadError, ex.Location);
        }
        finally
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
        WriteVerbose($"{count} jobs found.");
    }

    /// <summary>Bucket, root prefix and connection from either the parameters or the config file.</summary>
    private sealed record JobListingRequest(string Bucket, string? RootPrefix, int? MaxJobs, S3ConnectionOptions? Connection, IReadOnlyList<string> Extensions)
    {
        public static JobListingRequest From(GetS3ImageJobCommand command)
        {
            if (command.ParameterSetName == BucketSet)
            {
                return new JobListingRequest(command.BucketName, command.Prefix, null, null, ImageExtensions.Default);
            }
            HashIndexerConfig config = ConfigFile.Load(command, command.Config);
            if (string.IsNullOrEmpty(config.S3.Bucket))
            {
                command.ThrowSetupError(new ArgumentException($"{command.Config}: s3.bucket is not set; Get-S3ImageJob lists S3 jobs."),
                    "ConfigurationInvalid", ErrorCategory.InvalidData, command.Config);
            }
            return new JobListingRequest(config.S3.Bucket!, config.S3.RootPrefix, config.S3.MaxJobsToProcess, config.ToConnectionOptions(), config.Hashing.ImageExtensions);
        }
    }
}
