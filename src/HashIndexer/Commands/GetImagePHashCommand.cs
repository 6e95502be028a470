// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Management.Automation;
using HashIndexer.Engine.Hashing;

namespace HashIndexer.Commands;

/// <summary>
/// <para type="synopsis">Hashes images the way the original Python indexer did: one index row per image.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "ImagePHash", DefaultParameterSetName = PathSet)]
[OutputType(typeof(PSObject))]
[OutputType(IndexRowTypeName)]
public sealed class GetImagePHashCommand : ImageHashCmdletBase
{
    /// <summary>The type name of index rows (format file, OutputType).</summary>
    public const string IndexRowTypeName = "HashIndexer.IndexRow";

    #region Parameters

    /// <summary>Basic: original, h_flip, v_flip. Advanced: plus the permutation columns.</summary>
    [Parameter]
    public HashMode Mode { get; set; } = HashMode.Basic;

    /// <summary>The original indexer's hashing.resize.width.</summary>
    [Parameter]
    [ValidateRange(8, 8192)]
    public int ResizeWidth { get; set; } = 256;

    /// <summary>The original indexer's hashing.resize.height.</summary>
    [Parameter]
    [ValidateRange(8, 8192)]
    public int ResizeHeight { get; set; } = 256;

    /// <summary>pHash size: 8 (the original's 16 hex digits) or 16.</summary>
    [Parameter]
    [ValidateSet("8", "16")]
    public int HashSize { get; set; } = 8;

    /// <summary>Advanced-mode permutations (e.g. 'rotate:+5'); default: the documented list.</summary>
    [Parameter]
    public string[]? Permutation { get; set; }

    #endregion

    /// <inheritdoc />
    private protected override HashRequest CreateRequest() => new()
    {
        HashSize = HashSize,
        Decode = DecodeOptions,
        Seed = new SeedOptions
        {
            ResizeWidth = ResizeWidth,
            ResizeHeight = ResizeHeight,
            Permutations = Mode == HashMode.Advanced ? AdvancedPermutations() : [],
        },
    };

    /// <summary>-Permutation's list, or the documented defaults; a bad entry stops the command before any work.</summary>
    private IReadOnlyList<Engine.Hashing.Permutation> AdvancedPermutations()
    {
        if (Permutation is null || Permutation.Length == 0)
        {
            return Engine.Hashing.Permutation.Defaults;
        }
        try
        {
            return Engine.Hashing.Permutation.ParseList(string.Join(",", Permutation));
        }
        catch (FormatException ex)
        {
            ThrowSetupError(ex, "PermutationInvalid", ErrorCategory.InvalidArgument, Permutation);
            throw; // not reached
        }
    }

    /// <inheritdoc />
    private protected override PSObject CreateOutput(ImageInput input, LoadedImage image, ImageHashResult result) => IndexRows.Create(image, result);
}
