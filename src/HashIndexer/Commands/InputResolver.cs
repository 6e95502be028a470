// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Management.Automation;
using HashIndexer.Engine.Sources;

namespace HashIndexer.Commands;

/// <summary>Turns -Path/-LiteralPath values into local image inputs through PowerShell's providers.</summary>
internal static class InputResolver
{

    /// <summary>
    /// Resolves one path argument. Wildcards expand (unless literal); a path that matches nothing, or
    /// that is not on the FileSystem provider, is one non-terminating error. Folders are skipped with
    /// a verbose note, so that <c>Get-ChildItem -Recurse | Get-ImageHash</c> just works.
    /// </summary>
    public static IEnumerable<ImageInput> ResolveLocal(PSCmdlet cmdlet, string path, bool literal, LocalJobLocator jobs)
    {
        List<string> resolved = [];
        try
        {
            ProviderInfo provider;
            if (literal)
            {
                resolved.Add(cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _));
            }
            else
            {
                resolved.AddRange(cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider));
            }
            if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            {
                cmdlet.WriteError(new ErrorRecord(
                    new ArgumentException($"'{path}' is on the {provider.Name} provider; images must be files (or s3:// URLs)."),
                    "PathNotFileSystem", ErrorCategory.InvalidArgument, path));
                yield break;
            }
        }
        catch (Exception ex) when (ex is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or ArgumentException)
        {
            cmdlet.WriteError(new ErrorRecord(ex, "PathNotFound", ErrorCategory.ObjectNotFound, path));
            yield break;
        }

        foreach (string file in resolved)
        {
            if (Directory.Exists(file))
            {
                cmdlet.WriteVerbose($"Skipping folder '{file}'.");
                continue;
            }
            if (!File.Exists(file))
            {
                cmdlet.WriteError(new ErrorRecord(
                    new FileNotFoundException($"Cannot find the file '{file}'.", file),
                    "PathNotFound", ErrorCategory.ObjectNotFound, file));
                continue;
            }
            yield return ImageInput.ForLocalFile(file, jobs.Locate(file));
        }
    }
}
