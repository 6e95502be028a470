// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer.Engine;

/// <summary>
/// An engine exception that carries a stable, PascalCase ErrorId for PowerShell error records
/// (e.g. S3BucketNotFound, ConfigurationInvalidValue). The cmdlets map these without knowing each type.
/// </summary>
public interface IErrorIdentified
{
    /// <summary>The stable ErrorId.</summary>
    string ErrorId { get; }
}
