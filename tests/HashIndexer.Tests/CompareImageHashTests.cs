using System.Management.Automation;

namespace HashIndexer.Tests;

public sealed class CompareImageHashTests : IDisposable
{
    private readonly PowerShellSession _session = new();

    public void Dispose() => _session.Dispose();

    [Fact]
    public void DistanceAndSimilarityOfTwoHexHashes()
    {
        PSObject result = _session.Invoke("Compare-ImageHash 'ffff000000000000' 'fff0000000000001'").ThrowOnErrors().Output.Single();
        Assert.Equal(5, result.Properties["Distance"].Value);
        Assert.Equal(64, result.Properties["Bits"].Value);
        Assert.Equal(1 - (5 / 64.0), (double)result.Properties["Similarity"].Value, 10);
    }

    [Fact]
    public void ComparesHashedObjectsAndRanksPipedOnes()
    {
        string job = Path.Combine(TestPaths.Samples, "jobs", "100234");
        PowerShellResult result = _session.Invoke(
            "$ref = Get-ImageHash ([System.IO.Path]::Combine($args[0], 'chelsea.png')); Get-ImageHash ([System.IO.Path]::Combine($args[0], 'chelsea_*.jpg')) | Compare-ImageHash $ref",
            job).ThrowOnErrors();
        Assert.Equal(2, result.Output.Count);
        // The JPEG re-encode stays within a few bits; the mirror image is about 32 bits away.
        PSObject copy = result.Output.Single(o => ((string)o.Properties["Difference"].Value).EndsWith("chelsea_copy.jpg", StringComparison.Ordinal));
        PSObject mirrored = result.Output.Single(o => ((string)o.Properties["Difference"].Value).EndsWith("chelsea_mirrored.jpg", StringComparison.Ordinal));
        Assert.InRange((int)copy.Properties["Distance"].Value, 0, 4);
        Assert.InRange((int)mirrored.Properties["Distance"].Value, 16, 64);
    }

    [Fact]
    public void IndexRowsCompareByOriginalHashOrAChosenProperty()
    {
        string image = Path.Combine(TestPaths.Samples, "jobs", "100234", "chelsea.png");
        PSObject same = _session.Invoke("$r = Get-ImagePHash -LiteralPath $args[0]; Compare-ImageHash $r $r", image).ThrowOnErrors().Output.Single();
        Assert.Equal(0, same.Properties["Distance"].Value);
        PSObject flipped = _session.Invoke("$r = Get-ImagePHash -LiteralPath $args[0]; Compare-ImageHash $r.h_flip_hash $r", image).ThrowOnErrors().Output.Single();
        Assert.NotEqual(0, flipped.Properties["Distance"].Value);
    }

    [Fact]
    public void DifferentLengthsAndNonHexAreClearErrors()
    {
        PowerShellResult lengths = _session.Invoke("Compare-ImageHash 'ffff000000000000' ('0' * 64)");
        ErrorRecord error = Assert.Single(lengths.Errors);
        Assert.StartsWith("HashLengthMismatch,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("64-bit", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("256-bit", error.Exception.Message, StringComparison.Ordinal);

        PowerShellResult hex = _session.Invoke("Compare-ImageHash 'ffff000000000000' 'not-a-hash-at-all'");
        error = Assert.Single(hex.Errors);
        Assert.StartsWith("HashFormatInvalid,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("not-a-hash-at-all", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
    }
}
