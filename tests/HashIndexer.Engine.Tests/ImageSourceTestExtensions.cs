using HashIndexer.Engine.Sources;

namespace HashIndexer.Engine.Tests;

/// <summary>Read helpers for tests: an image's bytes as an array of their own, the lent buffer given back.</summary>
internal static class ImageSourceTestExtensions
{
    public static async Task<byte[]> ReadAllAsync(this IImageSource source, ImageObject image, CancellationToken cancellationToken)
    {
        using ImageBytes bytes = await source.ReadAsync(image, cancellationToken);
        return bytes.Memory.ToArray();
    }
}
