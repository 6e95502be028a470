// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace HashIndexer.Loading;

/// <summary>
/// Routes the cmdlet assembly's one dependency, HashIndexer.Engine, into <see cref="HashIndexerLoadContext"/>.
/// Only the engine is redirected: everything it needs then resolves inside the private context, and
/// the default context never sees our AWSSDK, SkiaSharp, YamlDotNet or CsvHelper.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string EngineAssemblyName = "HashIndexer.Engine";
    private static readonly object s_gate = new();
    private static HashIndexerLoadContext? s_loadContext;
    private static Assembly? s_engine;
    private static int s_registered;

    /// <summary>
    /// Runs when the runtime first touches this assembly, before PowerShell reflects over the cmdlets,
    /// so that no engine type can be requested before the resolver exists.
    /// </summary>
#pragma warning disable CA2255 // A module initializer is exactly what a plug-in assembly needs here.
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void Register()
#pragma warning restore CA2255
    {
        // The resolver is subscribed first and does its work itself: a runspace importing the module at the same
        // moment (runspace pools, ForEach-Object -Parallel) must never ask for the engine in the gap between
        // subscribing and setting up, because a failed bind of the engine is remembered for the whole process.
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
        }
    }

    /// <inheritdoc />
    public void OnImport() => Register();

    /// <inheritdoc />
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        // Assemblies cannot be unloaded from a non-collectible context; the resolver stays so that a
        // later Import-Module in the same session finds the engine it already loaded.
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
    {
        if (!string.Equals(name.Name, EngineAssemblyName, StringComparison.Ordinal))
        {
            return null;
        }
        // Two HashIndexer versions in one session (an installed module and a clone) each answer for their own engine.
        Version? expected = typeof(ModuleInitializer).Assembly.GetName().Version;
        if (name.Version is not null && expected is not null && name.Version != expected)
        {
            return null;
        }
        // One load context and one engine for every runspace, whichever asks first.
        lock (s_gate)
        {
            s_loadContext ??= new HashIndexerLoadContext(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!);
            return s_engine ??= s_loadContext.LoadDependency(EngineAssemblyName + ".dll");
        }
    }
}
