// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Management.Automation;
using HashIndexer.Engine.Configuration;

namespace HashIndexer.Commands;

/// <summary>Loads main_config.yaml for the cmdlets: warnings for unknown keys, one terminating error for a wrong value.</summary>
internal static class ConfigFile
{
    /// <summary>
    /// Reads the file named by -Config (a PowerShell path, relative to the current location), writes a
    /// warning per unknown key, applies the parameter overrides, and stops the command with
    /// ConfigurationInvalid (naming key, value and what is allowed) or ConfigFileNotFound.
    /// </summary>
    public static HashIndexerConfig Load(HashIndexerCmdlet cmdlet, string path, ConfigOverrides? overrides = null)
    {
        string fullPath = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        if (!File.Exists(fullPath))
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(
                new FileNotFoundException($"The configuration file '{fullPath}' does not exist.", fullPath),
                "ConfigFileNotFound", ErrorCategory.ObjectNotFound, fullPath));
        }
        try
        {
            ConfigLoadResult loaded = ConfigLoader.Load(fullPath);
            foreach (string warning in loaded.Warnings)
            {
                cmdlet.WriteWarning($"{fullPath}: {warning}");
            }
            HashIndexerConfig config = loaded.Config;
            if (overrides is not null)
            {
                config = config.With(overrides with { BaseDirectory = overrides.BaseDirectory ?? cmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath });
            }
            cmdlet.WriteVerbose($"Configuration loaded from {fullPath}.");
            return config;
        }
        catch (ConfigurationException ex)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(ex, ConfigurationException.ErrorId, ErrorCategory.InvalidData, fullPath)
            {
                ErrorDetails = new ErrorDetails($"{fullPath}: {ex.Message}"),
            });
            throw; // not reached
        }
    }
}
