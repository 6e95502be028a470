// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Management.Automation;
using HashIndexer.Engine;
using HashIndexer.Engine.Hashing;

namespace HashIndexer.Commands;

/// <summary>One mapping from engine failures to PowerShell error records, so every cmdlet reports alike.</summary>
internal static class ErrorRecords
{
    /// <summary>
    /// A non-terminating record for an image that could not be hashed. The target is the path or
    /// s3:// URL; the message names it and the cause.
    /// </summary>
    public static ErrorRecord ForImageFailure(Exception exception, string target)
    {
        (string id, ErrorCategory category) = Classify(exception);
        var record = new ErrorRecord(exception, id, category, target);
        record.ErrorDetails = new ErrorDetails($"Cannot hash '{target}': {exception.Message}");
        return record;
    }

    /// <summary>A non-terminating record for a job or prefix that could not be listed.</summary>
    public static ErrorRecord ForListingFailure(Exception exception, string target)
    {
        string id = exception is IErrorIdentified identified ? identified.ErrorId : "S3ListFailed";
        var record = new ErrorRecord(exception, id, ErrorCategory.ReadError, target);
        record.ErrorDetails = new ErrorDetails($"Cannot list '{target}': {exception.Message}");
        return record;
    }

    /// <summary>The ErrorId and category of an engine failure.</summary>
    public static (string Id, ErrorCategory Category) Classify(Exception exception) => exception switch
        {
            ImageProcessingException { Kind: ImageErrorKind.TooLarge } e => (e.ErrorId, ErrorCategory.LimitsExceeded),
            ImageProcessingException { Kind: ImageErrorKind.FormatUnsupported } e => (e.ErrorId, ErrorCategory.NotImplemented),
            ImageProcessingException e => (e.ErrorId, ErrorCategory.InvalidData),
            FileNotFoundException or DirectoryNotFoundException => ("PathNotFound", ErrorCategory.ObjectNotFound),
            UnauthorizedAccessException => ("ImageReadDenied", ErrorCategory.PermissionDenied),
            IOException => ("ImageReadFailed", ErrorCategory.ReadError),
            IErrorIdentified e => (e.ErrorId, ErrorCategory.ReadError),
            _ => ("ImageHashFailed", ErrorCategory.NotSpecified),
        };
}
