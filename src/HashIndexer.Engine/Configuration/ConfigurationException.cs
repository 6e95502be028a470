// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer.Engine.Configuration;

/// <summary>A configuration that cannot be used. The message names the key, the value and what is allowed.</summary>
public sealed class ConfigurationException : Exception
{
    /// <summary>A wrong value: "<paramref name="key"/>: '<paramref name="value"/>' is not <paramref name="allowed"/>".</summary>
    public ConfigurationException(string key, string? value, string allowed)
        : base(value is null ? $"{key}: {allowed}" : $"{key}: '{value}' is not {allowed}")
    {
        Key = key;
        Value = value;
        Allowed = allowed;
    }

    public ConfigurationException()
        : base("The configuration is not valid.")
    {
    }

    public ConfigurationException(string message)
        : base(message)
    {
    }

    public ConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Dotted key, e.g. hashing.mode; null for file-level errors (unreadable, not YAML).</summary>
    public string? Key { get; }

    public string? Value { get; }

    public string? Allowed { get; }

    /// <summary>Stable id for PowerShell: ConfigurationInvalid.</summary>
    public static string ErrorId => "ConfigurationInvalid";
}
