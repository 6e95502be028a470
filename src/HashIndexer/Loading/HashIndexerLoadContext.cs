// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace HashIndexer.Loading;

/// <summary>
/// The private load context holding the engine and its third-party dependencies (AWSSDK, SkiaSharp,
/// YamlDotNet, CsvHelper, Parquet.Net). Other modules in the same session (AWS.Tools above all) load
/// their own versions of those into the default context; keeping ours here means neither side sees
/// the other's. This is the pattern of PowerShell's article "Resolving PowerShell module assembly
/// dependency conflicts".
/// </summary>
internal sealed class HashIndexerLoadContext : AssemblyLoadContext
{
    private readonly string _dependencyDirectory;
    private readonly string _moduleDirectory;

    public HashIndexerLoadContext(string moduleDirectory)
        : base("HashIndexer", isCollectible: false)
    {
        _moduleDirectory = moduleDirectory;
        _dependencyDirectory = Path.Combine(moduleDirectory, "dependencies");
    }

    /// <summary>The .NET major version the precompiled copies in dependencies/r2r/&lt;rid&gt;/ were compiled for (build/ReadyToRun.targets).</summary>
    private const int ReadyToRunRuntimeMajor = 10;

    /// <summary>Loads our own copy of any assembly shipped in dependencies/; anything else (the framework) comes from the default context.</summary>
    protected override Assembly? Load(AssemblyName assemblyName)
        => LoadShipped(assemblyName.Name + ".dll");

    /// <summary>Loads one of our assemblies by file name (the engine, for the default context's resolver).</summary>
    public Assembly LoadDependency(string fileName)
        => LoadShipped(fileName) ?? throw new FileNotFoundException($"HashIndexer's {fileName} is missing from {_dependencyDirectory}.", fileName);

    /// <summary>
    /// The precompiled copy when there is a usable one, else the IL copy: a damaged or half-written precompiled file
    /// (an interrupted copy, a build writing it) must cost start-up time, not the module. Null when we ship no such file.
    /// </summary>
    private Assembly? LoadShipped(string fileName)
    {
        string il = Path.Combine(_dependencyDirectory, fileName);
        if (!File.Exists(il))
        {
            return null;
        }
        if (PrecompiledPath(fileName) is { } precompiled)
        {
            try
            {
                return LoadFromAssemblyPath(precompiled);
            }
            catch (Exception ex) when (ex is BadImageFormatException or IOException)
            {
                // Fall through to the IL copy.
            }
        }
        return LoadFromAssemblyPath(il);
    }

    /// <summary>
    /// The ReadyToRun copy of a shipped assembly for this RID, when the runtime is the major version it was compiled
    /// for (any other runtime would ignore its native code) and the copy exists; else null.
    /// </summary>
    private string? PrecompiledPath(string fileName)
    {
        if (Environment.Version.Major != ReadyToRunRuntimeMajor)
        {
            return null;
        }
        string precompiled = Path.Combine(_dependencyDirectory, "r2r", RuntimeInformation.RuntimeIdentifier, fileName);
        return File.Exists(precompiled) ? precompiled : null;
    }

    /// <summary>
    /// PowerShell ignores a module's deps.json, so native libraries are not found by the runtime's own
    /// probing: resolve them from runtimes/&lt;rid&gt;/native by absolute path, independent of the current
    /// directory and of any other libSkiaSharp another module may already have loaded.
    /// </summary>
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        string? path = NativeLibraryPath(_moduleDirectory, unmanagedDllName);
        if (path is not null)
        {
            return LoadUnmanagedDllFromPath(path);
        }
        if (unmanagedDllName.Contains("SkiaSharp", StringComparison.OrdinalIgnoreCase))
        {
            // Fail with the reason rather than let the default probing pick some other libSkiaSharp from PATH.
            string musl = OperatingSystem.IsLinux() && Directory.Exists("/lib") && Directory.EnumerateFiles("/lib", "ld-musl-*").Any()
                ? " This looks like a musl (Alpine) system: HashIndexer ships glibc builds only."
                : string.Empty;
            throw new DllNotFoundException(
                $"HashIndexer has no native SkiaSharp library for {RuntimeInformation.RuntimeIdentifier} ({RuntimeInformation.ProcessArchitecture}) under '{Path.Combine(_moduleDirectory, "runtimes")}'. Supported: win-x64, linux-x64, linux-arm64, osx-x64, osx-arm64.{musl}");
        }
        return IntPtr.Zero;
    }

    /// <summary>The shipped native library for this OS and architecture, or null when we ship none by that name.</summary>
    internal static string? NativeLibraryPath(string moduleDirectory, string unmanagedDllName)
    {
        string baseName = Path.GetFileNameWithoutExtension(unmanagedDllName);
        if (baseName.StartsWith("lib", StringComparison.Ordinal) && !OperatingSystem.IsWindows())
        {
            baseName = baseName[3..];
        }

        foreach (string rid in CandidateRids())
        {
            string dir = Path.Combine(moduleDirectory, "runtimes", rid, "native");
            foreach (string file in CandidateFileNames(baseName))
            {
                string path = Path.Combine(dir, file);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }
        return null;
    }

    /// <summary>Runtime identifiers to look under, most specific first. macOS ships one universal binary under "osx".</summary>
    internal static IEnumerable<string> CandidateRids()
    {
        string arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            Architecture.Arm => "arm",
            var other => other.ToString().ToLowerInvariant(),
        };
        if (OperatingSystem.IsWindows())
        {
            yield return "win-" + arch;
        }
        else if (OperatingSystem.IsMacOS())
        {
            yield return "osx-" + arch;
            yield return "osx";
        }
        else
        {
            yield return "linux-" + arch;
        }
    }

    private static IEnumerable<string> CandidateFileNames(string baseName)
    {
        if (OperatingSystem.IsWindows())
        {
            yield return baseName + ".dll";
            yield return "lib" + baseName + ".dll";
        }
        else if (OperatingSystem.IsMacOS())
        {
            yield return "lib" + baseName + ".dylib";
        }
        else
        {
            yield return "lib" + baseName + ".so";
        }
    }
}
