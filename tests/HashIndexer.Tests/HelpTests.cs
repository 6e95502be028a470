using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

namespace HashIndexer.Tests;

/// <summary>
/// The help that docs/help/*.md becomes (build/Help.targets): Get-Help must find it for every exported
/// cmdlet, and it must not drift from the code. A parameter added to a cmdlet without documentation fails
/// here; so does an example that does not parse.
/// </summary>
public sealed class HelpTests : IClassFixture<HelpSessionFixture>
{
    private static readonly string[] s_exportedCmdlets =
    [
        "Get-ImageHash", "Get-ImagePHash", "Compare-ImageHash", "Get-S3ImageJob", "Update-HashIndex", "New-PresignedLinkIndex",
    ];

    private static readonly XNamespace s_maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace s_command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace s_dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private readonly PowerShellSession _session;
    private readonly ITestOutputHelper _output;

    public HelpTests(HelpSessionFixture fixture, ITestOutputHelper output)
    {
        _session = fixture.Session;
        _output = output;
    }

    // One test per cmdlet, so that a cmdlet not written yet shows as skipped with its name, not as a pass.
    [Fact]
    public void GetImageHashHelpIsComplete() => AssertHelpComplete("Get-ImageHash");

    [Fact]
    public void GetImagePHashHelpIsComplete() => AssertHelpComplete("Get-ImagePHash");

    [Fact]
    public void CompareImageHashHelpIsComplete() => AssertHelpComplete("Compare-ImageHash");

    [Fact]
    public void GetS3ImageJobHelpIsComplete() => AssertHelpComplete("Get-S3ImageJob");

    [Fact]
    public void UpdateHashIndexHelpIsComplete() => AssertHelpComplete("Update-HashIndex");

    [Fact]
    public void NewPresignedLinkIndexHelpIsComplete() => AssertHelpComplete("New-PresignedLinkIndex");

    /// <summary>
    /// Independent of which cmdlets are implemented: the generated MAML has a page for every cmdlet the
    /// manifest exports, with a synopsis, a description, examples whose code parses, and typed parameters.
    /// </summary>
    [Fact]
    public void GeneratedMamlCoversEveryExportedCmdlet()
    {
        foreach (string file in new[] { MamlPath(TestPaths.RepoRoot), MamlPath(Path.Combine(TestPaths.RepoRoot, "out", "HashIndexer")) })
        {
            Assert.True(File.Exists(file), $"{file} is missing: build/Help.targets did not run.");
        }
        XDocument maml = XDocument.Load(MamlPath(Path.Combine(TestPaths.RepoRoot, "out", "HashIndexer")));
        Dictionary<string, XElement> commands = maml.Root!.Elements(s_command + "command")
            .ToDictionary(c => c.Element(s_command + "details")!.Element(s_command + "name")!.Value);
        Assert.Equal(s_exportedCmdlets.Order(StringComparer.Ordinal), commands.Keys.Order(StringComparer.Ordinal));

        foreach ((string name, XElement command) in commands)
        {
            string synopsis = command.Element(s_command + "details")!.Element(s_maml + "description")!.Value.Trim();
            Assert.False(string.IsNullOrWhiteSpace(synopsis), $"{name}: empty synopsis");
            Assert.NotEmpty(command.Element(s_maml + "description")!.Elements(s_maml + "para"));
            Assert.NotEmpty(command.Element(s_command + "syntax")!.Elements(s_command + "syntaxItem"));
            Assert.NotEmpty(command.Element(s_command + "returnValues")!.Elements());

            List<string> examples = [.. command.Descendants(s_command + "example").Select(e => e.Element(s_dev + "code")!.Value)];
            Assert.True(examples.Count >= 2, $"{name}: {examples.Count} example(s)");
            for (int i = 0; i < examples.Count; i++)
            {
                AssertParses($"{name} example {i + 1}", examples[i]);
            }

            foreach (XElement parameter in command.Element(s_command + "parameters")!.Elements(s_command + "parameter"))
            {
                string parameterName = parameter.Element(s_maml + "name")!.Value;
                Assert.False(string.IsNullOrWhiteSpace(parameter.Element(s_maml + "description")?.Value), $"{name} -{parameterName}: no description");
                Assert.False(string.IsNullOrWhiteSpace(parameter.Element(s_dev + "type")?.Element(s_maml + "name")?.Value), $"{name} -{parameterName}: no type");
            }
        }
    }

    [Fact]
    public void ExamplesShowsTheExamples()
    {
        PSObject help = _session.Invoke("Get-Help Get-ImageHash -Examples").ThrowOnErrors().Output.Single();
        string[] codes = [.. Values(_session.Invoke("$args[0].examples.example.code", help).ThrowOnErrors())];
        Assert.True(codes.Length >= 2);
        Assert.Contains(codes, c => c.Contains("Get-ChildItem", StringComparison.Ordinal) && c.Contains("| Get-ImageHash", StringComparison.Ordinal));
    }

    [Fact]
    public void ParameterHelpCarriesTheAttributes()
    {
        PSObject parameter = _session.Invoke("Get-Help Get-ImageHash -Parameter LiteralPath").ThrowOnErrors().Output.Single();
        Assert.Equal("LiteralPath", Property(parameter, "name"));
        Assert.Equal("true", Property(parameter, "required"));
        Assert.Equal("True (ByPropertyName)", Property(parameter, "pipelineInput"));
        Assert.Equal("named", Property(parameter, "position"));
        Assert.Contains("PSPath", Property(parameter, "aliases"), StringComparison.Ordinal);
        string description = Values(_session.Invoke("$args[0].description.Text -join ' '", parameter).ThrowOnErrors()).Single();
        Assert.Contains("Get-ChildItem", description, StringComparison.Ordinal);
    }

    /// <summary>-Full as a user sees it, rendered by PowerShell's own help view through Out-Host.</summary>
    [Fact]
    public void FullHelpRendersSyntaxParametersInputsAndOutputs()
    {
        // Wide enough that the help view does not wrap lines inside the strings looked for.
        using var console = new HostedConsole(width: 1000);
        string text = console.Run("Get-Help Get-ImageHash -Full | Out-Host");
        _output.WriteLine(text);
        foreach (string expected in new[]
        {
            "SYNOPSIS", "SYNTAX", "Get-ImageHash [-Path] <String[]>", "Get-ImageHash -LiteralPath <String[]>",
            "[-Algorithm {PHash | DHash | AHash | WHash | Sha256}]", "[-AutoOrient]", "[<CommonParameters>]",
            "PARAMETERS", "-Path <String[]>", "Accept pipeline input?       True (ByPropertyName, ByValue)",
            "Accept wildcard characters?  true", "INPUTS", "System.IO.FileInfo", "OUTPUTS", "HashIndexer.ImageHash",
            "NOTES", "Example 1:", "RELATED LINKS", "Compare-ImageHash",
        })
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AboutTopicIsFound()
    {
        PowerShellResult result = _session.Invoke("Get-Help about_HashIndexer").ThrowOnErrors();
        string text = string.Join("\n", result.Output.Select(o => o.ToString()));
        Assert.StartsWith("TOPIC", text.TrimStart(), StringComparison.Ordinal);
        foreach (string expected in s_exportedCmdlets.Concat(["SHORT DESCRIPTION", "EXIT CODES", "-FailOnError", "TROUBLESHOOTING", "main_config.yaml", "Fast"]))
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }
    }

    /// <summary>The shipped layout: out/HashIndexer imported on its own, as after Install-Module.</summary>
    [Fact]
    public void HelpIsFoundInThePackagedModuleLayout()
    {
        using var session = new PowerShellSession(importModule: false);
        string manifest = Path.Combine(TestPaths.RepoRoot, "out", "HashIndexer", "HashIndexer.psd1");
        session.Invoke("Import-Module $args[0] -ErrorAction Stop", manifest).ThrowOnErrors();
        string helpFile = Values(session.Invoke("(Get-Command Get-ImageHash).HelpFile; $null = Get-Help Get-ImageHash; (Get-Command Get-ImageHash).HelpFile").ThrowOnErrors()).Last();
        Assert.Equal(MamlPath(Path.Combine(TestPaths.RepoRoot, "out", "HashIndexer")), helpFile);
        string about = string.Join("\n", session.Invoke("Get-Help about_HashIndexer").ThrowOnErrors().Output.Select(o => o.ToString()));
        Assert.Contains("about_hashindexer", about, StringComparison.Ordinal);
    }

    private void AssertHelpComplete(string name)
    {
        // The module must export it (the discovery-time check only read the assembly).
        PSObject command = _session.Invoke("Get-Command -Module HashIndexer -Name $args[0]", name).ThrowOnErrors().Output.Single();
        PSObject help = _session.Invoke("Get-Help $args[0] -Full", name).ThrowOnErrors().Output.Single();

        string synopsis = Property(help, "Synopsis").Trim();
        _output.WriteLine($"{name}: {synopsis}");
        // Without MAML, Get-Help makes the synopsis from the syntax: "Get-ImageHash [-Path] <string[]> ...".
        Assert.False(synopsis.StartsWith(name + " ", StringComparison.OrdinalIgnoreCase) || synopsis.StartsWith(name + "\n", StringComparison.Ordinal),
            $"{name}: the synopsis is the auto-generated one, so Get-Help did not find the MAML.");
        Assert.NotEmpty(Values(_session.Invoke("$args[0].description.Text", help).ThrowOnErrors()));

        string[] examples = [.. Values(_session.Invoke("$args[0].examples.example.code", help).ThrowOnErrors())];
        Assert.NotEmpty(examples);
        for (int i = 0; i < examples.Length; i++)
        {
            AssertParses($"{name} example {i + 1}", examples[i]);
        }

        HashSet<string> documented = [.. Values(_session.Invoke("$args[0].parameters.parameter.name", help).ThrowOnErrors())];
        string[] inCode = [.. Values(_session.Invoke(
            "$args[0].Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters }",
            command).ThrowOnErrors())];
        Assert.NotEmpty(inCode);
        string[] undocumented = [.. inCode.Where(p => !documented.Contains(p))];
        Assert.True(undocumented.Length == 0, $"{name}: parameters without help: {string.Join(", ", undocumented)}. Document them in docs/help/{name}.md.");

        // Documented ahead of the code (parameters another change is still adding): informational only.
        string[] ahead = [.. documented.Where(p => !inCode.Contains(p, StringComparer.OrdinalIgnoreCase))];
        if (ahead.Length > 0)
        {
            _output.WriteLine($"{name}: documented, not in the code yet: {string.Join(", ", ahead)}");
        }

        // Where both exist, the help must tell the truth about mandatory and pipeline binding.
        foreach (string parameterName in inCode)
        {
            PSObject parameterHelp = _session.Invoke("Get-Help $args[0] -Parameter $args[1]", name, parameterName).ThrowOnErrors().Output.Single();
            PowerShellResult metadata = _session.Invoke(
                "$p = $args[0].Parameters[$args[1]]; [bool]($p.Attributes | Where-Object { $_ -is [Parameter] -and $_.Mandatory }); " +
                "[bool]($p.Attributes | Where-Object { $_ -is [Parameter] -and $_.ValueFromPipeline }); " +
                "[bool]($p.Attributes | Where-Object { $_ -is [Parameter] -and $_.ValueFromPipelineByPropertyName })",
                command, parameterName).ThrowOnErrors();
            bool[] flags = [.. metadata.Output.Select(o => (bool)o.BaseObject)];
            string pipelineHelp = Property(parameterHelp, "pipelineInput");
            Assert.True(flags[0] == (Property(parameterHelp, "required") == "true"),
                $"{name} -{parameterName}: help says required={Property(parameterHelp, "required")}, code says Mandatory={flags[0]}.");
            Assert.True(flags[1] == pipelineHelp.Contains("ByValue", StringComparison.Ordinal),
                $"{name} -{parameterName}: help says pipeline input '{pipelineHelp}', code says ValueFromPipeline={flags[1]}.");
            Assert.True(flags[2] == pipelineHelp.Contains("ByPropertyName", StringComparison.Ordinal),
                $"{name} -{parameterName}: help says pipeline input '{pipelineHelp}', code says ValueFromPipelineByPropertyName={flags[2]}.");
        }
    }

    private static void AssertParses(string what, string code)
    {
        Assert.False(string.IsNullOrWhiteSpace(code), $"{what}: no code");
        Assert.DoesNotContain("PS C:\\>", code, StringComparison.Ordinal);
        Parser.ParseInput(code, out _, out ParseError[] errors);
        Assert.True(errors.Length == 0, $"{what} does not parse:\n{code}\n{string.Join("\n", errors.Select(e => $"{e.Extent.StartLineNumber}:{e.Extent.StartColumnNumber} {e.Message}"))}");
    }

    private static string MamlPath(string moduleBase) => Path.Combine(moduleBase, "en-US", "HashIndexer.dll-Help.xml");

    private static string Property(PSObject obj, string name) => obj.Properties[name]?.Value switch
    {
        null => "",
        PSObject nested when nested.BaseObject is string s => s,
        var value => LanguagePrimitives.ConvertTo<string>(value is PSObject p && p.Properties["Text"] is { } t ? t.Value : value),
    };

    private static IEnumerable<string> Values(PowerShellResult result) => result.Output.Where(o => o is not null).Select(o => o.ToString());
}

/// <summary>One session with the module imported through the repository's manifest, shared by the help tests.</summary>
public sealed class HelpSessionFixture : IDisposable
{
    internal PowerShellSession Session { get; } = new();

    public void Dispose() => Session.Dispose();
}
