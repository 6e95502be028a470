// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Management.Automation;
using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Pipeline;
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

    private static readonly ImageHasher s_hasher = new();
    private OrderedWorkQueue<HashOutcome>? _queue;

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
    private protected abstract PSObject CreateOutput(ImageInput input, ImageHashResult result);

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
        foreach (HashOutcome outcome in _queue.Drain())
        {
            WriteOutcome(outcome);
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
                ReadOnlyMemory<byte> bytes = await input.ReadAsync(ct).ConfigureAwait(false);
                return new HashOutcome(input, s_hasher.Hash(bytes, request, ct), null);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                return new HashOutcome(input, null, ex);
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

    /// <summary>Local files named by -Path or -LiteralPath; each unresolvable one is an error record.</summary>
    private protected virtual IEnumerable<ImageInput> ResolveInputs()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (string path in literal ? LiteralPath : Path)
        {
            foreach (ImageInput input in InputResolver.ResolveLocal(this, path, literal))
            {
                yield return input;
            }
        }
    }

    private void WriteOutcome(HashOutcome outcome)
    {
        if (outcome.Result is not null)
        {
            foreach (string warning in outcome.Result.Warnings)
            {
                WriteWarning($"{outcome.Input.DisplayName}: {warning}");
            }
            WriteObject(CreateOutput(outcome.Input, outcome.Result));
            return;
        }
        WriteError(ErrorRecords.ForImageFailure(outcome.Error!, outcome.Input.DisplayName));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _queue?.Dispose();
        }
        base.Dispose(disposing);
    }

    private sealed record HashOutcome(ImageInput Input, ImageHashResult? Result, Exception? Error);
}
