// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Management.Automation;
using HashIndexer.Engine.Hashing;

namespace HashIndexer.Commands;

/// <summary>
/// <para type="synopsis">Hamming distance and similarity between two perceptual hashes, or two hashed images.</para>
/// </summary>
[Cmdlet(VerbsData.Compare, "ImageHash")]
[OutputType(typeof(HashComparison))]
public sealed class CompareImageHashCommand : HashIndexerCmdlet
{
    // The hash a hashed object is compared by, in order of preference: Get-ImageHash's, then an index row's.
    private static readonly string[] s_defaultProperties = ["PHash", "original_hash", "DHash", "AHash", "WHash"];

    #region Parameters

    /// <summary>A hex hash, or an object from Get-ImageHash / Get-ImagePHash (or an imported index row).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public PSObject ReferenceHash { get; set; } = null!;

    /// <summary>The hash(es) to compare with the reference; pipe many to rank them.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [ValidateNotNull]
    public PSObject DifferenceHash { get; set; } = null!;

    /// <summary>Which property of hashed objects to compare (e.g. DHash, h_flip_hash); default PHash, else original_hash.</summary>
    [Parameter]
    [Alias("Algorithm")]
    [ValidateNotNullOrEmpty]
    public string? Property { get; set; }

    #endregion

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!TryRead(ReferenceHash, "ReferenceHash", out string referenceText, out string? referenceName, out PerceptualHash? reference) ||
            !TryRead(DifferenceHash, "DifferenceHash", out string differenceText, out string? differenceName, out PerceptualHash? difference))
        {
            return;
        }
        if (reference.BitLength != difference.BitLength)
        {
            WriteError(new ErrorRecord(
                new ArgumentException($"Cannot compare a {reference.BitLength}-bit hash ('{referenceText}') with a {difference.BitLength}-bit hash ('{differenceText}'): hashes must have the same size (use the same -HashSize)."),
                "HashLengthMismatch", ErrorCategory.InvalidArgument, DifferenceHash));
            return;
        }
        int distance = reference.Distance(difference);
        WriteObject(new HashComparison(referenceText, differenceText, distance, reference.BitLength, referenceName, differenceName));
    }

    private bool TryRead(PSObject value, string parameter, out string text, out string? name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PerceptualHash? hash)
    {
        hash = null;
        name = null;
        if (value.BaseObject is string s)
        {
            text = s.Trim();
        }
        else
        {
            string[] candidates = Property is null ? s_defaultProperties : [Property];
            PSPropertyInfo? property = candidates.Select(c => value.Properties[c]).FirstOrDefault(p => p?.Value is not null);
            if (property is null)
            {
                text = string.Empty;
                WriteError(new ErrorRecord(
                    new ArgumentException($"-{parameter}: the object has no {string.Join(" or ", candidates)} property. Pass a hex hash, an object from Get-ImageHash or Get-ImagePHash, or name the property with -Property."),
                    "HashPropertyNotFound", ErrorCategory.InvalidArgument, value));
                return false;
            }
            text = property.Value!.ToString()!.Trim();
            name = (value.Properties["Path"] ?? value.Properties["image_name"])?.Value?.ToString();
        }
        if (!PerceptualHash.TryParse(text, out hash))
        {
            WriteError(new ErrorRecord(
                new FormatException($"-{parameter}: '{text}' is not a hash: expected hexadecimal digits (16 for a 64-bit hash, 64 for a 256-bit hash)."),
                "HashFormatInvalid", ErrorCategory.InvalidArgument, value));
            return false;
        }
        return true;
    }
}
