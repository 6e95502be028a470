using System.Management.Automation;

namespace HashIndexer.Tests;

/// <summary>Get-ImagePHash on local files: the original indexer's row shape and hashes.</summary>
public sealed class GetImagePHashTests : IDisposable
{
    private static readonly string[] s_originalColumns = ["image_name", "job_number", "job_url", "original_hash", "h_flip_hash", "v_flip_hash"];
    private readonly PowerShellSession _session = new();

    public void Dispose() => _session.Dispose();

    private static string Sample(params string[] parts) => Path.Combine([TestPaths.Samples, "jobs", .. parts]);

    [Fact]
    public void RowsHaveTheOriginalColumnsInOrderAndPythonsHashes()
    {
        string[] files = [Sample("100234", "chelsea.png"), Sample("100234", "chelsea_copy.jpg"), Sample("100235", "site-visit-2", "cat.jpg")];
        PowerShellResult result = _session.Invoke("Get-ImagePHash -LiteralPath $args[0]", (object)files).ThrowOnErrors();
        Assert.Equal(3, result.Output.Count);
        for (int i = 0; i < files.Length; i++)
        {
            PSObject row = result.Output[i];
            Assert.Equal(s_originalColumns, row.Properties.Select(p => p.Name));
            Dictionary<string, string> golden = Golden.ForFile(files[i]);
            Assert.Equal(files[i], row.Properties["image_name"].Value);
            Assert.Equal(golden["seed_original"], row.Properties["original_hash"].Value);
            Assert.Equal(golden["seed_h_flip"], row.Properties["h_flip_hash"].Value);
            Assert.Equal(golden["seed_v_flip"], row.Properties["v_flip_hash"].Value);
        }
    }

    [Fact]
    public void JobColumnsComeFromTheJobFolderAndItsUrlFile()
    {
        PowerShellResult result = _session.Invoke(
            "Get-ImagePHash -LiteralPath $args[0], $args[1]", Sample("100234", "chelsea.png"), Sample("100235", "site-visit-2", "cat.jpg")).ThrowOnErrors();
        // 100234's url.txt has a BOM and CRLF: both are removed, as the original tool did (utf-8-sig, strip).
        Assert.Equal("100234", result.Output[0].Properties["job_number"].Value);
        Assert.Equal("https://jobs.example.com/job/100234", result.Output[0].Properties["job_url"].Value);
        // An image in a sub-folder belongs to the job above it.
        Assert.Equal("100235", result.Output[1].Properties["job_number"].Value);
        Assert.Equal("https://jobs.example.com/job/100235", result.Output[1].Properties["job_url"].Value);
    }

    [Fact]
    public void WithAPrefixAJobWithoutUrlFileStillHasItsNumber()
    {
        PowerShellResult withoutRoot = _session.Invoke("Get-ImagePHash -LiteralPath $args[0]", Sample("100236", "hubble.jpg")).ThrowOnErrors();
        Assert.Equal("", withoutRoot.Output.Single().Properties["job_number"].Value);
        PowerShellResult withRoot = _session.Invoke("Get-ImagePHash -Path $args[0] -Prefix $args[1]", Sample("100236", "*.jpg"), Sample()).ThrowOnErrors();
        Assert.Equal(2, withRoot.Output.Count);
        Assert.All(withRoot.Output, row =>
        {
            Assert.Equal("100236", row.Properties["job_number"].Value);
            Assert.Equal("", row.Properties["job_url"].Value);
        });
    }

    [Fact]
    public void AdvancedModeAddsPermutationColumnsAfterTheOriginalOnes()
    {
        PSObject row = _session.Invoke("Get-ImagePHash -LiteralPath $args[0] -Mode Advanced", Sample("100234", "chelsea.png")).ThrowOnErrors().Output.Single();
        string[] names = [.. row.Properties.Select(p => p.Name)];
        Assert.Equal(s_originalColumns, names.Take(6));
        Assert.True(names.Length > 6, "advanced mode adds permutation columns");
        Assert.All(names.Skip(6), n => Assert.EndsWith("_hash", n, StringComparison.Ordinal));
        Assert.All(names.Skip(3), n => Assert.Matches("^[0-9a-f]{16}$", (string)row.Properties[n].Value));
    }

    [Fact]
    public void GetChildItemStyleInputWithBracketsAndAPrefixBindsLiterally()
    {
        // A file name with wildcard characters, piped as Get-ChildItem pipes it, together with -Prefix.
        string root = Directory.CreateTempSubdirectory("hashindexer-literal-").FullName;
        try
        {
            string job = Path.Combine(root, "700");
            Directory.CreateDirectory(job);
            string file = Path.Combine(job, "IMG[1].jpg");
            File.Copy(Sample("100234", "chelsea_copy.jpg"), file);
            PowerShellResult result = _session.Invoke(
                "$f = [psobject]::AsPSObject([System.IO.FileInfo]::new($args[0])); $f.PSObject.Properties.Add([psnoteproperty]::new('PSPath', 'Microsoft.PowerShell.Core\\FileSystem::' + $args[0])); $f | Get-ImagePHash -Prefix $args[1]",
                file, root).ThrowOnErrors();
            PSObject row = Assert.Single(result.Output);
            Assert.Equal(file, row.Properties["image_name"].Value);
            Assert.Equal("700", row.Properties["job_number"].Value);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
