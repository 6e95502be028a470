// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer.Engine.Hashing;

/// <summary>The whole-image hashes Get-ImageHash offers; names match imagehash's functions.</summary>
public enum HashAlgorithmKind
{
    PHash,
    DHash,
    AHash,
    WHash,
    Sha256,
}

/// <summary>How the encoded image is turned into pixels.</summary>
public enum DecodeMode
{
    /// <summary>Full-size decode, as Pillow and the reference do.</summary>
    Exact,

    /// <summary>JPEG DCT-domain scaled decode (1/2, 1/4, 1/8) to at least the working size; same as Pillow's draft().</summary>
    Fast,
}

/// <summary>Decode settings shared by every cmdlet.</summary>
public sealed record DecodeOptions
{
    /// <summary>Pillow's Image.MAX_IMAGE_PIXELS: above this a warning, above twice this a refusal.</summary>
    public const long DefaultPixelWarningLimit = 89_478_485;

    public DecodeMode Mode { get; init; } = DecodeMode.Exact;

    /// <summary>Apply EXIF orientation before hashing. Off by default: the reference ignores it.</summary>
    public bool AutoOrient { get; init; }

    public long PixelWarningLimit { get; init; } = DefaultPixelWarningLimit;

    public long PixelLimit { get; init; } = 2 * DefaultPixelWarningLimit;

    /// <summary>JPEGs through the machine's libturbojpeg when installed (see TurboJpeg); tests turn it off to compare with SkiaSharp.</summary>
    internal bool UseTurboJpeg { get; init; } = true;
}

/// <summary>The original indexer's pipeline: resize, grayscale, then pHash of the image, its mirror, its flip (and, in advanced mode, named permutations).</summary>
public sealed record SeedOptions
{
    public int ResizeWidth { get; init; } = 256;

    public int ResizeHeight { get; init; } = 256;

    /// <summary>Empty in basic mode. Each produces a column named <c>&lt;name&gt;_hash</c>.</summary>
    public IReadOnlyList<Permutation> Permutations { get; init; } = [];
}

/// <summary>What to compute for one image.</summary>
public sealed record HashRequest
{
    /// <summary>Whole-image algorithms (Get-ImageHash). May be empty when only the seed pipeline is wanted.</summary>
    public IReadOnlyList<HashAlgorithmKind> Algorithms { get; init; } = [];

    /// <summary>8 (64-bit hashes) or 16 (256-bit hashes).</summary>
    public int HashSize { get; init; } = 8;

    public DecodeOptions Decode { get; init; } = new();

    /// <summary>Non-null to run the original indexer's pipeline (Get-ImagePHash, Update-HashIndex).</summary>
    public SeedOptions? Seed { get; init; }
}

/// <summary>The original indexer's three hashes plus any advanced permutations, in configured order.</summary>
public sealed record SeedHashes(string Original, string HFlip, string VFlip, IReadOnlyList<KeyValuePair<string, string>> Permutations);

/// <summary>Everything computed for one image.</summary>
public sealed record ImageHashResult
{
    /// <summary>Width and height of the stored image (before any orientation or scaling), as Pillow reports them.</summary>
    public int Width { get; init; }

    public int Height { get; init; }

    /// <summary>Lowercase hex, exactly as imagehash prints it; Sha256 is the hex digest of the encoded bytes.</summary>
    public IReadOnlyDictionary<HashAlgorithmKind, string> Hashes { get; init; } = new Dictionary<HashAlgorithmKind, string>();

    public SeedHashes? Seed { get; init; }

    /// <summary>Non-fatal notes for the user (e.g. the pixel-count warning).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>Why an image could not be hashed. ErrorId is the stable PowerShell ErrorId.</summary>
public enum ImageErrorKind
{
    /// <summary>Not an image we recognise, or a corrupt one.</summary>
    DecodeFailed,

    /// <summary>The file ends before the image data does.</summary>
    Truncated,

    /// <summary>Over the pixel limit (checked from the header, before any pixel buffer exists).</summary>
    TooLarge,

    /// <summary>A recognised container we cannot decode.</summary>
    FormatUnsupported,
}

/// <summary>An image that cannot be hashed; the message names the cause (the caller adds the object's name).</summary>
public sealed class ImageProcessingException : Exception, IErrorIdentified
{
    public ImageProcessingException(ImageErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public ImageProcessingException()
        : this(ImageErrorKind.DecodeFailed, "The image could not be decoded.")
    {
    }

    public ImageProcessingException(string message)
        : this(ImageErrorKind.DecodeFailed, message)
    {
    }

    public ImageProcessingException(string message, Exception innerException)
        : this(ImageErrorKind.DecodeFailed, message, innerException)
    {
    }

    public ImageErrorKind Kind { get; }

    /// <summary>ImageDecodeFailed, ImageTruncated, ImageTooLarge or ImageFormatUnsupported.</summary>
    public string ErrorId => Kind switch
    {
        ImageErrorKind.DecodeFailed => "ImageDecodeFailed",
        ImageErrorKind.Truncated => "ImageTruncated",
        ImageErrorKind.TooLarge => "ImageTooLarge",
        ImageErrorKind.FormatUnsupported => "ImageFormatUnsupported",
        _ => "ImageDecodeFailed",
    };
}
