// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Management.Automation;
using HashIndexer.Engine.Hashing;

namespace HashIndexer.Commands;

/// <summary>
/// <para type="synopsis">Computes imagehash-compatible hashes (pHash, dHash, aHash, wHash, SHA-256) of image files.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "ImageHash", DefaultParameterSetName = PathSet)]
[OutputType(typeof(PSObject))]
[OutputType(OutputTypeName)]
public sealed class GetImageHashCommand : ImageHashCmdletBase
{
    /// <summary>The type name the format file's table view keys on.</summary>
    public const string OutputTypeName = "HashIndexer.ImageHash";

    #region Parameters

    /// <summary>One or more of PHash, DHash, AHash, WHash, Sha256.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public ImageHashAlgorithm[] Algorithm { get; set; } = [ImageHashAlgorithm.PHash];

    /// <summary>8 (64-bit hashes, imagehash's default) or 16 (256-bit).</summary>
    [Parameter]
    [ValidateSet("8", "16")]
    public int HashSize { get; set; } = 8;

    #endregion

    /// <inheritdoc />
    private protected override HashRequest CreateRequest() => new()
    {
        Algorithms = Algorithm.Distinct().Select(ToEngine).ToList(),
        HashSize = HashSize,
        Decode = DecodeOptions,
    };

    /// <inheritdoc />
    private protected override PSObject CreateOutput(ImageInput input, LoadedImage image, ImageHashResult result)
    {
        var output = new PSObject();
        output.TypeNames.Insert(0, OutputTypeName);
        output.Properties.Add(new PSNoteProperty("Path", input.DisplayName));
        output.Properties.Add(new PSNoteProperty("Width", result.Width));
        output.Properties.Add(new PSNoteProperty("Height", result.Height));
        foreach (ImageHashAlgorithm algorithm in Algorithm.Distinct())
        {
            output.Properties.Add(new PSNoteProperty(algorithm.ToString(), result.Hashes[ToEngine(algorithm)]));
        }
        return output;
    }

    private static HashAlgorithmKind ToEngine(ImageHashAlgorithm algorithm) => algorithm switch
    {
        ImageHashAlgorithm.PHash => HashAlgorithmKind.PHash,
        ImageHashAlgorithm.DHash => HashAlgorithmKind.DHash,
        ImageHashAlgorithm.AHash => HashAlgorithmKind.AHash,
        ImageHashAlgorithm.WHash => HashAlgorithmKind.WHash,
        ImageHashAlgorithm.Sha256 => HashAlgorithmKind.Sha256,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
    };
}
