using System.Buffers.Binary;
using System.Management.Automation.Language;

namespace HashIndexer.Tests;

/// <summary>What the built module folder ships, checked from the files themselves.</summary>
public sealed class ModuleLayoutTests
{
    private static string Native(string rid, string file) => Path.Combine(TestPaths.RepoRoot, "out", "HashIndexer", "runtimes", rid, "native", file);

    /// <summary>
    /// SkiaSharp's native library for every supported platform, checked by its header: the machine each
    /// binary is built for (ELF e_machine, PE Machine, the architectures inside the macOS universal binary).
    /// </summary>
    [Theory]
    [InlineData("linux-x64", "libSkiaSharp.so", "elf:62")]      // EM_X86_64
    [InlineData("linux-arm64", "libSkiaSharp.so", "elf:183")]   // EM_AARCH64
    [InlineData("win-x64", "libSkiaSharp.dll", "pe:34404")]      // IMAGE_FILE_MACHINE_AMD64 (0x8664)
    [InlineData("osx", "libSkiaSharp.dylib", "macho-fat")]       // x86_64 + arm64 in one file (osx-x64, osx-arm64)
    public void NativeSkiaSharpShipsForEveryPlatform(string rid, string file, string expected)
    {
        byte[] bytes = File.ReadAllBytes(Native(rid, file));
        if (expected.StartsWith("elf:", StringComparison.Ordinal))
        {
            Assert.Equal([0x7F, (byte)'E', (byte)'L', (byte)'F'], bytes[..4]);
            Assert.Equal(ushort.Parse(expected[4..]), BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(18)));
        }
        else if (expected.StartsWith("pe:", StringComparison.Ordinal))
        {
            Assert.Equal((byte)'M', bytes[0]);
            int pe = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(0x3C));
            Assert.Equal(ushort.Parse(expected[3..]), BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(pe + 4)));
        }
        else
        {
            Assert.Equal(0xCAFEBABEu, BinaryPrimitives.ReadUInt32BigEndian(bytes));
            int count = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4));
            var cpus = Enumerable.Range(0, count).Select(i => BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(8 + (i * 20)))).ToHashSet();
            Assert.Contains(0x01000007u, cpus); // CPU_TYPE_X86_64
            Assert.Contains(0x0100000Cu, cpus); // CPU_TYPE_ARM64
        }
    }

    [Fact]
    public void ThirdPartyAssembliesStayOutOfTheFolderPowerShellProbes()
    {
        string module = Path.Combine(TestPaths.RepoRoot, "out", "HashIndexer");
        Assert.Equal(["HashIndexer.dll"], Directory.GetFiles(module, "*.dll").Select(Path.GetFileName));
        foreach (string dependency in new[] { "HashIndexer.Engine.dll", "AWSSDK.Core.dll", "AWSSDK.S3.dll", "SkiaSharp.dll", "YamlDotNet.dll", "CsvHelper.dll", "Parquet.dll" })
        {
            Assert.True(File.Exists(Path.Combine(module, "dependencies", dependency)), dependency);
        }
    }

    /// <summary>
    /// The precompiled copies (build/ReadyToRun.targets): ReadyToRun images (a managed native header) for the OS and
    /// architecture of their folder (PE Machine = AMD64 xor the ReadyToRun OS value), of the same assembly as the IL copy.
    /// </summary>
    [Theory]
    [InlineData("linux-x64", 0x8664 ^ 0x7B79)]
    [InlineData("win-x64", 0x8664)]
    public void ReadyToRunCopiesArePrecompiledForTheirPlatform(string rid, int machine)
    {
        string dependencies = Path.Combine(TestPaths.RepoRoot, "out", "HashIndexer", "dependencies");
        foreach (string name in new[] { "HashIndexer.Engine", "AWSSDK.Core", "AWSSDK.S3", "YamlDotNet", "CsvHelper", "SkiaSharp" })
        {
            string precompiled = Path.Combine(dependencies, "r2r", rid, name + ".dll");
            using (var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(precompiled)))
            {
                Assert.Equal(machine, (int)pe.PEHeaders.CoffHeader.Machine);
                Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, $"{precompiled} has no ReadyToRun header");
            }
            Assert.Equal(
                System.Reflection.AssemblyName.GetAssemblyName(Path.Combine(dependencies, name + ".dll")).FullName,
                System.Reflection.AssemblyName.GetAssemblyName(precompiled).FullName);
        }
    }

    [Theory]
    [InlineData("build.ps1")]
    [InlineData("tests/Pester/HashIndexer.Tests.ps1")]
    [InlineData("tests/Scenarios/Module.Scenario.ps1")]
    [InlineData("tests/Scenarios/PythonCompatibility.Scenario.ps1")]
    [InlineData("tests/Scenarios/SampleIndex.Scenario.ps1")]
    public void PowerShellScriptsParse(string script)
    {
        Parser.ParseFile(Path.Combine(TestPaths.RepoRoot, script), out _, out ParseError[] errors);
        Assert.Empty(errors.Select(e => $"{e.Extent.StartLineNumber}: {e.Message}"));
    }

    [Fact]
    public void ManifestDeclaresWhatTheGalleryNeeds()
    {
        using var session = new PowerShellSession(importModule: false);
        System.Management.Automation.PSModuleInfo info = (System.Management.Automation.PSModuleInfo)session
            .Invoke("Test-ModuleManifest -Path $args[0]", TestPaths.ManifestPath).ThrowOnErrors().Output.Single().BaseObject;
        Assert.Equal(["Core"], info.CompatiblePSEditions);
        Assert.Equal(new Version(7, 4), info.PowerShellVersion);
        Assert.NotNull(info.ProjectUri);
        Assert.NotNull(info.LicenseUri);
        Assert.Contains("PSEdition_Core", info.Tags);
        Assert.Equal(6, info.ExportedCmdlets.Count);
        Assert.True(File.Exists(Path.Combine(TestPaths.RepoRoot, "LICENSE")));
    }
}
