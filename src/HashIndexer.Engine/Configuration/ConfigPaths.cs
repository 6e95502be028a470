// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Text;

namespace HashIndexer.Engine.Configuration;

/// <summary>
/// Turns a path written in main_config.yaml into an absolute path on this machine.
/// </summary>
/// <remarks>
/// The original README writes Windows paths as <c>'C:\\data\\index'</c>: in a single-quoted YAML scalar that is
/// literally two backslashes per separator (Python's open() on Windows happened to accept it). Rules, in order:
/// <list type="number">
/// <item>Doubled backslashes are collapsed when every run of backslashes in the value has even length
/// (<c>C:\\data\\x</c> → <c>C:\data\x</c>, <c>\\\\server\\share</c> → <c>\\server\share</c>). A value with any single
/// backslash is taken as already meant (<c>'C:\data\x'</c>, <c>'\\server\share'</c>, or a double-quoted YAML value,
/// which YAML has already unescaped).</item>
/// <item>A leading <c>~/</c> is the user's home folder.</item>
/// <item>On Windows the result is used as is. Elsewhere, backslashes are separators unless the value is a POSIX
/// absolute path (starts with '/'), where a backslash can only be part of a name; a Windows drive path
/// (<c>C:\...</c>, <c>C:/...</c>) or UNC path cannot mean anything on Linux or macOS and is an error naming the key.</item>
/// <item>A relative path resolves against the configuration file's folder (not the current directory), so a
/// config means the same wherever it is run from.</item>
/// </list>
/// </remarks>
public static class ConfigPaths
{
    /// <summary>Resolves <paramref name="value"/> of <paramref name="key"/> against <paramref name="baseDirectory"/>.</summary>
    public static string Resolve(string key, string value, string baseDirectory, bool? windows = null)
    {
        bool isWindows = windows ?? OperatingSystem.IsWindows();
        string p = CollapseDoubledBackslashes(value.Trim());
        if (p.Length == 0)
        {
            throw new ConfigurationException(key, value, "a path (it is empty)");
        }
        if (p == "~" || p.StartsWith("~/", StringComparison.Ordinal) || p.StartsWith("~\\", StringComparison.Ordinal))
        {
            p = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + p[1..];
        }
        if (!isWindows)
        {
            if (LooksLikeWindowsAbsolute(p))
            {
                throw new ConfigurationException(key, value,
                    "usable here: it is a Windows drive or UNC path, and this system is not Windows (write a path such as /data/index, or a relative one)");
            }
            if (!p.StartsWith('/'))
            {
                p = p.Replace('\\', '/');
            }
            return Path.GetFullPath(p, baseDirectory);
        }
        return Path.GetFullPath(p.Replace('/', '\\'), baseDirectory);
    }

    /// <summary>True for C:\..., C:/..., C: and \\server\share.</summary>
    public static bool LooksLikeWindowsAbsolute(string p)
        => (p.Length >= 2 && char.IsAsciiLetter(p[0]) && p[1] == ':')
           || p.StartsWith(@"\\", StringComparison.Ordinal);

    /// <summary>Halves every run of backslashes, but only when all runs have even length (see the class remarks).</summary>
    public static string CollapseDoubledBackslashes(string p)
    {
        if (!p.Contains(@"\\", StringComparison.Ordinal))
        {
            return p;
        }
        int i = 0;
        while (i < p.Length)
        {
            if (p[i] != '\\')
            {
                i++;
                continue;
            }
            int run = 0;
            while (i < p.Length && p[i] == '\\')
            {
                run++;
                i++;
            }
            if (run % 2 != 0)
            {
                return p;
            }
        }
        var sb = new StringBuilder(p.Length);
        for (int j = 0; j < p.Length; j++)
        {
            sb.Append(p[j]);
            if (p[j] == '\\')
            {
                j++;
            }
        }
        return sb.ToString();
    }
}
