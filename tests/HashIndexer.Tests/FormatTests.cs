using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace HashIndexer.Tests;

/// <summary>
/// module/HashIndexer.Format.ps1xml. The hosted engine has no Get-FormatData, Format-Table or Out-String
/// (they belong to Microsoft.PowerShell.Utility, which the System.Management.Automation package does not
/// carry), so the views are checked where it matters: objects are piped to Out-Host, a Core cmdlet that
/// runs PowerShell's real formatter, and the text that reaches the host is read back (HostedConsole).
/// </summary>
public sealed class FormatTests
{
    private static readonly string s_formatFile = Path.Combine(TestPaths.RepoRoot, "module", "HashIndexer.Format.ps1xml");

    private readonly ITestOutputHelper _output;

    public FormatTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string, string, string[], string> TableViews => new()
    {
        // type name, property=value pairs, expected column labels in order, a property the view leaves out
        { "HashIndexer.IndexRow", "image_name=ODM Duplicate Image/100234/IMG_0042.jpg;job_number=100234;job_url=https://jobs.example.com/100234;original_hash=d1c4b3a29f8e7c60;h_flip_hash=c3d1e4a29f8e7c61;v_flip_hash=91c4b3a2df8e7c62",
            ["image_name", "job_number", "original_hash", "h_flip_hash", "v_flip_hash"], "https://jobs.example.com/100234" },
        { "HashIndexer.HashComparison", "ReferenceHash=d1c4b3a29f8e7c60;DifferenceHash=d1c4b3a29f8e7c61;Distance=1;Bits=64;Similarity=0.984375",
            ["Distance", "Bits", "Similarity", "ReferenceHash", "DifferenceHash"], "0.984375" },
        { "HashIndexer.S3ImageJob", "JobNumber=100234;JobUrl=https://jobs.example.com/100234;BucketName=field-photos-bucket;Prefix=ODM Duplicate Image/100234/",
            ["JobNumber", "JobUrl", "Prefix"], "field-photos-bucket" },
    };

    public static TheoryData<string, string, string[], string> ListViews => new()
    {
        { "HashIndexer.IndexUpdateSummary", "Total=1543;New=4;Changed=3;Unchanged=1536;Deleted=2;Failed=0;Skipped=12;Errors=first error message;Duration=00:00:02.5000000;OutputPath=/srv/hashing/hash_index.csv;StatePath=/srv/hashing/hash_state.json",
            ["Total", "New", "Changed", "Unchanged", "Deleted", "Failed", "Skipped", "Duration", "OutputPath", "StatePath"], "first error message" },
        { "HashIndexer.LinkIndexSummary", "Total=1543;Generated=10;Reused=1533;Removed=2;ExpiresAt=2030-01-08T02:00:00Z;OutputPath=/srv/hashing/presigned_links.csv;Duration=00:00:01;SecretNote=not shown",
            ["Total", "Generated", "Reused", "Removed", "ExpiresAt", "OutputPath", "Duration"], "not shown" },
    };

    [Fact]
    public void FormatFileLoadsAndDefinesEveryOutputType()
    {
        // FormatTable's constructor reports every load error of the file (bad XML, unknown elements, ...).
        _ = new FormatTable([s_formatFile]);

        XDocument xml = XDocument.Load(s_formatFile);
        string[] typeNames = [.. xml.Descendants("ViewSelectedBy").Elements("TypeName").Select(t => t.Value).Order(StringComparer.Ordinal)];
        Assert.Equal(
            new[] { "HashIndexer.HashComparison", "HashIndexer.ImageHash", "HashIndexer.IndexRow", "HashIndexer.IndexUpdateSummary", "HashIndexer.LinkIndexSummary", "HashIndexer.S3ImageJob" },
            typeNames);

        // A table's headers and items pair up one to one.
        foreach (XElement table in xml.Descendants("TableControl"))
        {
            Assert.Equal(table.Descendants("TableColumnHeader").Count(), table.Descendants("TableColumnItem").Count());
        }
    }

    [Fact]
    public void ManifestLoadsTheFormatFile()
    {
        using var session = new PowerShellSession();
        string[] files = [.. session.Invoke("(Get-Module HashIndexer).ExportedFormatFiles").ThrowOnErrors().Output.Select(o => o.ToString())];
        Assert.Contains(files, f => f.EndsWith(Path.Combine("out", "HashIndexer", "HashIndexer.Format.ps1xml"), StringComparison.Ordinal));
        bool hasGetFormatData = session.Invoke("[bool](Get-Command Get-FormatData -ErrorAction Ignore)").ThrowOnErrors().Output.Single().BaseObject is true;
        _output.WriteLine($"Get-FormatData in the hosted engine: {hasGetFormatData} (views are checked by rendering through Out-Host)");
    }

    [Theory]
    [MemberData(nameof(TableViews))]
    public void TableViewShowsItsColumns(string typeName, string properties, string[] columns, string leftOut)
    {
        using var console = new HostedConsole();
        string text = console.Run("$args[0] | Out-Host", CreateObject(typeName, properties));
        _output.WriteLine(text);
        string[] lines = text.Split('\n');
        Assert.Contains(lines, line => Regex.Split(line.Trim(), @"\s+").SequenceEqual(columns));
        Assert.DoesNotContain(leftOut, text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ListViews))]
    public void ListViewShowsItsFields(string typeName, string properties, string[] fields, string leftOut)
    {
        using var console = new HostedConsole();
        string text = console.Run("$args[0] | Out-Host", CreateObject(typeName, properties));
        _output.WriteLine(text);
        string[] labels = [.. text.Split('\n').Select(l => Regex.Match(l, @"^(\w+)\s*:").Groups[1].Value).Where(l => l.Length > 0)];
        Assert.Equal(fields, labels);
        Assert.DoesNotContain(leftOut, text, StringComparison.Ordinal);
    }

    /// <summary>The ImageHash view's script column, on an object shaped like Get-ImageHash -Algorithm PHash, Sha256.</summary>
    [Fact]
    public void ImageHashViewJoinsTheRequestedHashes()
    {
        using var console = new HostedConsole();
        string sha = new('a', 64);
        string text = console.Run("$args[0] | Out-Host",
            CreateObject("HashIndexer.ImageHash", $"Path=/photos/100234/IMG_0042.jpg;Width=4000;Height=3000;PHash=d1c4b3a29f8e7c60;Sha256={sha}"));
        _output.WriteLine(text);
        string[] lines = text.Split('\n');
        Assert.Contains(lines, line => Regex.Split(line.Trim(), @"\s+").SequenceEqual(["Path", "Width", "Height", "Hashes"]));
        string row = lines.Single(l => l.Contains("IMG_0042.jpg", StringComparison.Ordinal));
        Assert.Matches(@"^/photos/100234/IMG_0042\.jpg\s+4000\s+3000\s+PHash=d1c4b3a29f8e7c60\s+Sha256=a{64}\s*$", row);
    }

    /// <summary>Every HashIndexer.* type a cmdlet declares in [OutputType] has a view, and no view is orphaned.</summary>
    [Fact]
    public void DeclaredOutputTypesHaveViews()
    {
        using var session = new PowerShellSession();
        string[] declared = [.. session.Invoke("(Get-Command -Module HashIndexer).OutputType.Name | Where-Object { $_ -like 'HashIndexer.*' }")
            .ThrowOnErrors().Output.Select(o => o.ToString()).Distinct(StringComparer.Ordinal)];
        _output.WriteLine("Declared: " + string.Join(", ", declared));
        Assert.NotEmpty(declared);
        HashSet<string> views = [.. XDocument.Load(s_formatFile).Descendants("ViewSelectedBy").Elements("TypeName").Select(t => t.Value)];
        foreach (string typeName in declared)
        {
            Assert.True(views.Contains(typeName), $"[OutputType('{typeName}')] has no view in HashIndexer.Format.ps1xml");
        }
    }

    [Fact]
    public void GetImageHashOutputShowsTheRequestedHashesInOneColumn()
    {
        using var console = new HostedConsole();
        string image = Path.Combine(TestPaths.Samples, "jobs", "100234", "chelsea_copy.jpg");
        string text = console.Run("Get-ImageHash -LiteralPath $args[0] -Algorithm PHash, Sha256 | Out-Host", image);
        _output.WriteLine(text);
        string[] lines = text.Split('\n');
        Assert.Contains(lines, line => Regex.Split(line.Trim(), @"\s+").SequenceEqual(["Path", "Width", "Height", "Hashes"]));
        string row = lines.Single(l => l.Contains("chelsea_copy.jpg", StringComparison.Ordinal));
        // The console is narrow: a long path may truncate the SHA-256, never the pHash before it.
        Assert.Matches(@"PHash=[0-9a-f]{16}\s+Sha256=[0-9a-f]{8}", row);
    }

    [Fact]
    public void GetImagePHashOutputShowsTheIndexColumns()
    {
        using var console = new HostedConsole();
        string folder = Path.Combine(TestPaths.Samples, "jobs", "100234");
        string text = console.Run("Get-ImagePHash -Path ([System.IO.Path]::Combine($args[0], '*.jpg')) | Out-Host", folder);
        _output.WriteLine(text);
        string[] lines = text.Split('\n');
        Assert.Contains(lines, line => Regex.Split(line.Trim(), @"\s+").SequenceEqual(["image_name", "job_number", "original_hash", "h_flip_hash", "v_flip_hash"]));
        Assert.Equal(2, lines.Count(l => Regex.IsMatch(l, @"100234\s+[0-9a-f]{16}\s+[0-9a-f]{16}\s+[0-9a-f]{16}\s*$")));
    }

    private static PSObject CreateObject(string typeName, string properties)
    {
        var obj = new PSObject();
        obj.TypeNames.Insert(0, typeName);
        foreach (string pair in properties.Split(';'))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            string value = pair[(equals + 1)..];
            object typed = long.TryParse(value, out long number) ? number
                : double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double real) && value.Contains('.', StringComparison.Ordinal) && !value.Contains(':', StringComparison.Ordinal) ? real
                : TimeSpan.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out TimeSpan span) && value.Contains(':', StringComparison.Ordinal) && !value.Contains('T', StringComparison.Ordinal) ? span
                : value;
            obj.Properties.Add(new PSNoteProperty(pair[..equals], typed));
        }
        return obj;
    }
}
