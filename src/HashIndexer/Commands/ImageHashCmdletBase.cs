// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Management.Automation;
using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Pipeline;
using HashIndexer.Engine.S3;
using HashIndexer.Engine.Sources;
using EngineDecodeMode = HashIndexer.Engine.Hashing.DecodeMode;

namespace HashIndexer.Commands;

/// <summary>
/// What Get-ImageHash and Get-ImagePHash share: input binding (paths from strings or Get-ChildItem),
/// decode options, and the ordered parallel pipeline. Results come out in input order, one per
/// input, as soon as the order allows; only the pipeline thread writes.
/// </summary>
public abstract class ImageHashCmdletBase : S3AwareCmdlet
{
    /// <summary>Parameter set of -Path (wildcards).</summary>
    protected const string PathSet = "Path";

    /// <summary>Parameter set of -LiteralPath (Get-ChildItem pipes in here through PSPath/FullName).</summary>
    protected const string LiteralPathSet = "LiteralPath";

    /// <summary>Parameter set of S3 objects by property name (AWS.Tools' Get-S3Object output).</summary>
    protected const string S3ObjectSet = "S3Object";

    /// <summary>Parameter set of jobs piped from Get-S3ImageJob.</summary>
    protected const string JobSet = "Job";

    private static readonly ImageHasher s_hasher = new();
    private readonly S3Sources _s3;
    private OrderedWorkQueue<HashOutcome>? _queue;
    private LocalJobLocator? _localJobs;
    private LocalJobLocator? _jobsByUrlFile;

    /// <summary>Sets up the per-invocation S3 connections (opened lazily, on the first S3 input).</summary>
    protected ImageHashCmdletBase()
    {
        _s3 = new S3Sources(this);
    }

    #region Parameters

    /// <summary>Image files; wildcards allowed.</summary>
    [Parameter(ParameterSetName = PathSet, Position = 0, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Image files, taken literally (no wildcards). Get-ChildItem binds here.</summary>
    [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>The bucket of an S3 object; Get-S3Object's output binds here by property name.</summary>
    [Parameter(ParameterSetName = S3ObjectSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string BucketName { get; set; } = string.Empty;

    /// <summary>The object key(s) in -BucketName.</summary>
    [Parameter(ParameterSetName = S3ObjectSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Key { get; set; } = [];

    /// <summary>
    /// The root the job folders sit under: an S3 prefix for objects given by key or s3:// URL, or a local
    /// folder laid out like the bucket. The job is the first folder below it. Without it, a local image's
    /// job is the nearest folder above it holding a url.txt, and an S3 object's is its key's folder.
    /// </summary>
    [Parameter(ParameterSetName = S3ObjectSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [Alias("RootPrefix")]
    public string? Prefix { get; set; }

    /// <summary>Jobs from Get-S3ImageJob: every image of each job is hashed.</summary>
    [Parameter(ParameterSetName = JobSet, Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public S3ImageJob[] Job { get; set; } = [];

    /// <summary>Exact (default, equals Python imagehash) or Fast (JPEG scaled decode).</summary>
    [Parameter]
    public DecodeMode Decode { get; set; } = DecodeMode.Exact;

    /// <summary>Apply EXIF orientation before hashing (the Python tool does not).</summary>
    [Parameter]
    public SwitchParameter AutoOrient { get; set; }

    /// <summary>Images hashed in parallel; default: the processor count.</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; } = Environment.ProcessorCount;

    #endregion

    /// <summary>The hashes this cmdlet wants for every image.</summary>
    private protected abstract HashRequest CreateRequest();

    /// <summary>Turns one hashed image into the object written to the pipeline.</summary>
    private protected abstract PSObject CreateOutput(ImageInput input, LoadedImage image, ImageHashResult result);

    /// <summary>Called once before the first input; set up the request here.</summary>
    protected override void BeginProcessing()
    {
        Request = CreateRequest();
        _queue = new OrderedWorkQueue<HashOutcome>(ThrottleLimit, CancellationToken);
    }

    /// <summary>The request built in BeginProcessing.</summary>
    private protected HashRequest Request { get; private set; } = new();

    /// <summary>Decode settings from the common parameters.</summary>
    private protected DecodeOptions DecodeOptions => new()
    {
        Mode = Decode == DecodeMode.Fast ? EngineDecodeMode.Fast : EngineDecodeMode.Exact,
        AutoOrient = AutoOrient.IsPresent,
    };

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (ImageInput input in ResolveInputs())
        {
            Enqueue(input);
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        if (_queue is null)
        {
            return;
        }
        try
        {
            foreach (HashOutcome outcome in _queue.Drain())
            {
                WriteOutcome(outcome);
            }
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>Queues one image and writes every result whose turn has come.</summary>
    private protected void Enqueue(ImageInput input)
    {
        HashRequest request = Request;
        _queue!.Submit(async ct =>
        {
            try
            {
                LoadedImage image = await input.LoadAsync(ct).ConfigureAwait(false);
                ImageHashResult result;
                using (image.Bytes)
                {
                    result = await CpuGate.RunAsync(() => s_hasher.Hash(image.Bytes.Memory, request, ct), ct).ConfigureAwait(false);
                }
                return new HashOutcome(input, image, result, null);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                return new HashOutcome(input, null, null, ex);
            }
        });
        try
        {
            foreach (HashOutcome outcome in _queue.TakeReady())
            {
                WriteOutcome(outcome);
            }
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>
    /// The images named by this record's input: local paths (wildcards unless literal), s3:// URLs,
    /// S3 objects by bucket and key, or every image of a piped job (listed here, read on workers).
    /// </summary>
    private protected virtual IEnumerable<ImageInput> ResolveInputs()
    {
        _jobsByUrlFile ??= new LocalJobLocator();
        switch (ParameterSetName)
        {
            case JobSet:
                foreach (S3ImageJob job in Job)
                {
                    foreach (ImageInput input in ListJob(job))
                    {
                        yield return input;
                    }
                }
                break;
            case S3ObjectSet:
                foreach (string key in Key)
                {
                    if (IsS3Image(key, BucketName))
                    {
                        yield return ImageInput.ForS3Object(_s3.SourceFor(BucketName, Prefix), key);
                    }
                }
                break;
            default:
                bool literal = ParameterSetName == LiteralPathSet;
                foreach (string path in literal ? LiteralPath : Path)
                {
                    if (S3Uri.TryParse(path, out S3Uri? uri))
                    {
                        if (IsS3Image(uri.Key, uri.Bucket))
                        {
                            yield return ImageInput.ForS3Object(_s3.SourceFor(uri.Bucket, Prefix), uri.Key);
                        }
                        continue;
                    }
                    foreach (ImageInput input in InputResolver.ResolveLocal(this, path, literal, LocalJobs() ?? _jobsByUrlFile))
                    {
                        yield return input;
                    }
                }
                break;
        }
    }

    /// <summary>
    /// Keys piped from Get-S3Object include url.txt files and console "folder" markers: skip them (and any
    /// other non-image extension), as a job listing does, with a verbose note instead of an error each.
    /// </summary>
    private bool IsS3Image(string key, string bucket)
    {
        if (!key.EndsWith('/') && ImageExtensions.IsImage(key, ImageExtensions.Default))
        {
            return true;
        }
        WriteVerbose($"Skipping {S3Uri.Format(bucket, key)}: not an image.");
        return false;
    }

    /// <summary>With -Prefix naming a local folder, jobs are the folders directly below it.</summary>
    private LocalJobLocator? LocalJobs()
    {
        if (Prefix is null || S3Uri.TryParse(Prefix, out _))
        {
            return null;
        }
        if (_localJobs is null)
        {
            string root = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Prefix);
            _localJobs = Directory.Exists(root) ? new LocalJobLocator(root) : null;
        }
        return _localJobs;
    }

    /// <summary>Lists one job's images on the pipeline thread; workers download and hash them meanwhile.</summary>
    private IEnumerable<ImageInput> ListJob(S3ImageJob job)
    {
        S3ImageSource source = _s3.SourceFor(job);
        var skipped = new SkipCounter();
        var imageJob = new ImageJob(job.JobNumber, job.JobUrl, job.BucketName, job.Prefix);
        int images = 0;
        IEnumerator<ImageObject> listing = EnumerateSync(ct => source.ListImagesAsync(imageJob, skipped, ct)).GetEnumerator();
        try
        {
            while (true)
            {
                try
                {
                    if (!listing.MoveNext())
                    {
                        break;
                    }
                }
                catch (Exception ex) when (ex is S3SetupException or S3ObjectException)
                {
                    // One job that cannot be listed is that job's error; the other jobs go on.
                    WriteError(ErrorRecords.ForListingFailure(ex, job.ToString()));
                    yield break;
                }
                images++;
                yield return ImageInput.ForListedObject(source, listing.Current);
            }
        }
        finally
        {
            listing.Dispose();
        }
        WriteVerbose($"Job {job.JobNumber}: {images} images, {skipped.Count} other objects skipped{(skipped.Count > 0 ? " (" + string.Join(", ", skipped.Examples.Take(5)) + ")" : string.Empty)}.");
    }

    private void WriteOutcome(HashOutcome outcome)
    {
        if (outcome.Result is not null)
        {
            foreach (string warning in outcome.Result.Warnings)
            {
                WriteWarning($"{outcome.Input.DisplayName}: {warning}");
            }
            WriteObject(CreateOutput(outcome.Input, outcome.Image!, outcome.Result));
            return;
        }
        if (outcome.Error is S3SetupException setup)
        {
            // A broken setup (bucket gone, credentials rejected or expired, wrong region) is not one image's
            // problem: stop at once rather than write one error per remaining image.
            ThrowSetupError(setup, setup.ErrorId, SetupCategory(setup.ErrorId), outcome.Input.DisplayName);
        }
        WriteError(ErrorRecords.ForImageFailure(outcome.Error!, outcome.Input.DisplayName));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _queue?.Dispose();
            _s3.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>
    /// The S3 connections of one invocation: one for this cmdlet's own connection parameters, and one
    /// per distinct connection that piped jobs carry (Get-S3ImageJob's -EndpointUrl, -Region, ...).
    /// </summary>
    private sealed class S3Sources : IDisposable
    {
        private readonly ImageHashCmdletBase _cmdlet;
        private readonly Dictionary<S3ConnectionOptions, S3Connection> _connections = [];
        private readonly Dictionary<(S3ConnectionOptions, string, string?), S3ImageSource> _sources = [];

        public S3Sources(ImageHashCmdletBase cmdlet) => _cmdlet = cmdlet;

        // Resolved once per invocation (and per distinct job connection): a credential object is asked for its keys once.
        private S3ConnectionOptions? _own;
        private readonly Dictionary<S3ConnectionOptions, S3ConnectionOptions> _forJobs = [];

        public S3ImageSource SourceFor(string bucket, string? rootPrefix) =>
            SourceFor(_own ??= _cmdlet.ConnectionOptions(), bucket, rootPrefix, ImageExtensions.Default);

        public S3ImageSource SourceFor(S3ImageJob job)
        {
            // Connection parameters given to this cmdlet win over the ones the job was listed with.
            if (!_forJobs.TryGetValue(job.Connection, out S3ConnectionOptions? options))
            {
                options = _cmdlet.ConnectionOptions(job.Connection);
                _forJobs[job.Connection] = options;
            }
            return SourceFor(options, job.BucketName, null, job.Extensions);
        }

        private S3ImageSource SourceFor(S3ConnectionOptions options, string bucket, string? rootPrefix, IReadOnlyList<string> extensions)
        {
            if (!_sources.TryGetValue((options, bucket, rootPrefix), out S3ImageSource? source))
            {
                if (!_connections.TryGetValue(options, out S3Connection? connection))
                {
                    connection = _cmdlet.OpenConnection(options);
                    _connections[options] = connection;
                }
                source = new S3ImageSource(connection, bucket, rootPrefix, new S3ImageSourceOptions { Extensions = extensions });
                _sources[(options, bucket, rootPrefix)] = source;
            }
            return source;
        }

        public void Dispose()
        {
            foreach (S3Connection connection in _connections.Values)
            {
                connection.Dispose();
            }
        }
    }

    private sealed record HashOutcome(ImageInput Input, LoadedImage? Image, ImageHashResult? Result, Exception? Error);
}
