using System.Management.Automation;

namespace HashIndexer.Tests;

/// <summary>Get-ImageHash through the real engine: binding, output shape, order, errors.</summary>
public sealed class GetImageHashTests : IDisposable
{
    private readonly PowerShellSession _session = new();

    private static string[] SampleImages => [.. Directory.EnumerateFiles(Path.Combine(TestPaths.Samples, "jobs"), "*", SearchOption.AllDirectories)
        .Where(f => f.EndsWith(".jpg", StringComparison.Ordinal) || f.EndsWith(".png", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)];

    public void Dispose() => _session.Dispose();

    [Fact]
    public void EveryAlgorithmEqualsPythonImagehash()
    {
        PowerShellResult result = _session.Invoke(
            "Get-ImageHash -LiteralPath $args[0] -Algorithm PHash, DHash, AHash, WHash, Sha256", (object)SampleImages).ThrowOnErrors();
        Assert.Equal(SampleImages.Length, result.Output.Count);
        for (int i = 0; i < SampleImages.Length; i++)
        {
            PSObject row = result.Output[i];
            Dictionary<string, string> golden = Golden.ForFile(SampleImages[i]);
            Assert.Equal(SampleImages[i], row.Properties["Path"].Value);
            Assert.Equal(int.Parse(golden["width"]), row.Properties["Width"].Value);
            Assert.Equal(int.Parse(golden["height"]), row.Properties["Height"].Value);
            Assert.Equal(golden["phash"], row.Properties["PHash"].Value);
            Assert.Equal(golden["dhash"], row.Properties["DHash"].Value);
            Assert.Equal(golden["ahash"], row.Properties["AHash"].Value);
            Assert.Equal(golden["sha256"], row.Properties["Sha256"].Value);
            Assert.Contains("HashIndexer.ImageHash", row.TypeNames);
        }
    }

    [Fact]
    public void OnlyTheRequestedAlgorithmsBecomeProperties()
    {
        PSObject row = _session.Invoke("Get-ImageHash $args[0] -Algorithm DHash -HashSize 16", SampleImages[0]).ThrowOnErrors().Output.Single();
        string[] names = [.. row.Properties.Select(p => p.Name)];
        Assert.Equal(["Path", "Width", "Height", "DHash"], names);
        Assert.Equal(64, ((string)row.Properties["DHash"].Value).Length);
    }

    [Fact]
    public void FileObjectsPipeInByPropertyNameAsFromGetChildItem()
    {
        // Get-ChildItem is not in the hosted engine; its FileInfo objects carry PSPath and FullName, as these do.
        PowerShellResult result = _session.Invoke(
            "$args[0] | ForEach-Object { $f = [psobject]::AsPSObject([System.IO.FileInfo]::new($_)); $f.PSObject.Properties.Add([psnoteproperty]::new('PSPath', 'Microsoft.PowerShell.Core\\FileSystem::' + $_)); $f } | Get-ImageHash",
            (object)SampleImages).ThrowOnErrors();
        Assert.Equal(SampleImages, result.Output.Select(o => (string)o.Properties["Path"].Value));
    }

    [Fact]
    public void PlainStringsPipeInAndWildcardsExpand()
    {
        string job = Path.Combine(TestPaths.Samples, "jobs", "100234");
        PowerShellResult piped = _session.Invoke("$args[0] | Get-ImageHash", (object)SampleImages).ThrowOnErrors();
        Assert.Equal(SampleImages.Length, piped.Output.Count);
        PowerShellResult wildcard = _session.Invoke("Get-ImageHash -Path ([System.IO.Path]::Combine($args[0], 'chelsea*'))", job).ThrowOnErrors();
        Assert.Equal(3, wildcard.Output.Count);
    }

    [Fact]
    public void ResultsKeepInputOrderWithManyWorkers()
    {
        string[] many = [.. Enumerable.Repeat(SampleImages, 6).SelectMany(x => x)];
        PowerShellResult result = _session.Invoke("$args[0] | Get-ImageHash -ThrottleLimit 8 -Algorithm Sha256", (object)many).ThrowOnErrors();
        Assert.Equal(many, result.Output.Select(o => (string)o.Properties["Path"].Value));
    }

    [Theory]
    [InlineData("zero_bytes.jpg", "ImageDecodeFailed", ErrorCategory.InvalidData)]
    [InlineData("text_not_image.png", "ImageDecodeFailed", ErrorCategory.InvalidData)]
    [InlineData("truncated_30pct.jpg", "ImageTruncated", ErrorCategory.InvalidData)]
    [InlineData("truncated_30pct_in_exif_header.jpg", "ImageTruncated", ErrorCategory.InvalidData)]
    [InlineData("bomb_60000x60000.png", "ImageTooLarge", ErrorCategory.LimitsExceeded)]
    [InlineData("bomb_10000x10000_truncated.png", "ImageTruncated", ErrorCategory.InvalidData)]
    public void EachBadFileIsOneErrorAndThePipelineGoesOn(string file, string errorId, ErrorCategory category)
    {
        string bad = Path.Combine(TestPaths.Corpus, "bad", file);
        PowerShellResult result = _session.Invoke("Get-ImageHash -LiteralPath $args[0], $args[1]", bad, SampleImages[0]);
        Assert.Null(result.Terminating);
        ErrorRecord error = Assert.Single(result.Errors);
        Assert.StartsWith(errorId + ",", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Equal(bad, error.TargetObject);
        Assert.Contains(bad, error.ErrorDetails.Message, StringComparison.Ordinal);
        Assert.Equal(SampleImages[0], Assert.Single(result.Output).Properties["Path"].Value);
    }

    [Fact]
    public void AMissingFileIsPathNotFound()
    {
        PowerShellResult result = _session.Invoke("Get-ImageHash -Path $args[0]", Path.Combine(TestPaths.Samples, "no-such-file.jpg"));
        ErrorRecord error = Assert.Single(result.Errors);
        Assert.StartsWith("PathNotFound,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
    }
}
