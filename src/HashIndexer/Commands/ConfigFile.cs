// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Management.Automation;

namespace HashIndexer.Commands;

/// <summary>Loads main_config.yaml for the cmdlets: warnings for unknown keys, terminating errors for wrong values.</summary>
internal static class ConfigFile
{
    public static dynamic JobListing(PSCmdlet cmdlet, string path) => throw new NotImplementedException("config: issue #5");
}
