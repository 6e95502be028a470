// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;
using HashIndexer.Engine.Hashing;
using SkiaSharp;

namespace HashIndexer.Engine.Imaging;

/// <summary>A decoded image: its pixels, Pillow mode, stored size and EXIF orientation.</summary>
internal sealed class DecodedImage : IDisposable
{
    public DecodedImage(PixelImage pixels, int storedWidth, int storedHeight, int orientation, int scaleDenominator, string formatName)
    {
        Pixels = pixels;
        StoredWidth = storedWidth;
        StoredHeight = storedHeight;
        Orientation = orientation;
        ScaleDenominator = scaleDenominator;
        FormatName = formatName;
    }

    public PixelImage Pixels { get; }

    public PillowMode Mode => Pixels.Mode;

    /// <summary>Size of the stored image (before scaling or orientation), as Pillow's Image.size.</summary>
    public int StoredWidth { get; }

    public int StoredHeight { get; }

    /// <summary>EXIF orientation 1-8 (1 when absent).</summary>
    public int Orientation { get; }

    /// <summary>1 for a full decode; 2, 4 or 8 for a DCT-scaled JPEG decode.</summary>
    public int ScaleDenominator { get; }

    public string FormatName { get; }

    public List<string> Warnings { get; } = [];

    public void Dispose() => Pixels.Dispose();
}

/// <summary>
/// Decodes encoded images with SkiaSharp into pooled buffers, in the layout that reproduces Pillow 9.4's pixels
/// (no colour management, alpha unpremultiplied), with Pillow's pixel-count limits checked from the header.
/// </summary>
internal static class ImageDecoder
{
    private static readonly SKDataReleaseDelegate s_noRelease = (_, _) => { };

    /// <summary>Reads only the header: format, size (validates that the image can be opened).</summary>
    public static (int Width, int Height, string Format) Probe(ReadOnlyMemory<byte> encoded, DecodeOptions options)
    {
        ImageHeader header = Preflight(encoded.Span, options, out _);
        using var pin = encoded.Pin();
        unsafe
        {
            using SKData data = SKData.Create((IntPtr)pin.Pointer, encoded.Length, s_noRelease);
            using SKCodec codec = CreateCodec(data, header);
            CheckLimits(codec.Info.Width, codec.Info.Height, options, null);
            return (codec.Info.Width, codec.Info.Height, header.FormatName);
        }
    }

    /// <summary>
    /// Decodes the image. <paramref name="minimumWidth"/> and <paramref name="minimumHeight"/> are the smallest size a Fast-mode JPEG
    /// may be scaled down to (Pillow's draft: the largest 1/1, 1/2, 1/4, 1/8 with size / scale &gt;= minimum).
    /// </summary>
    public static DecodedImage Decode(ReadOnlyMemory<byte> encoded, DecodeOptions options, int minimumWidth, int minimumHeight, CancellationToken cancellationToken)
    {
        ImageHeader header = Preflight(encoded.Span, options, out List<string> warnings);
        cancellationToken.ThrowIfCancellationRequested();
        using var pin = encoded.Pin();
        unsafe
        {
            using SKData data = SKData.Create((IntPtr)pin.Pointer, encoded.Length, s_noRelease);
            using SKCodec codec = CreateCodec(data, header);
            SKImageInfo info = codec.Info;
            int w = info.Width, h = info.Height;
            CheckLimits(w, h, options, warnings);

            PillowMode mode = header.Mode ?? ModeFromCodec(header, codec);
            int scale = 1;
            if (options.Mode == DecodeMode.Fast && header.Format == ContainerFormat.Jpeg)
            {
                int fit = Math.Min(w / Math.Max(1, minimumWidth), h / Math.Max(1, minimumHeight));
                scale = fit >= 8 ? 8 : fit >= 4 ? 4 : fit >= 2 ? 2 : 1;
            }
            int dw = w, dh = h;
            if (scale > 1)
            {
                SKSizeI d = codec.GetScaledDimensions(1f / scale);
                // libjpeg's scaled size is ceil(size / scale), the same as Pillow's draft().
                if (d.Width != (w + scale - 1) / scale || d.Height != (h + scale - 1) / scale)
                {
                    scale = 1;
                }
                else
                {
                    dw = d.Width;
                    dh = d.Height;
                }
            }

            PixelLayout layout = mode == PillowMode.I ? PixelLayout.Int32
                : info.ColorType == SKColorType.Gray8 ? PixelLayout.Gray8 : PixelLayout.Rgba32;
            var pixels = new PixelImage(dw, dh, layout, mode);
            try
            {
                SKColorType ct = layout == PixelLayout.Rgba32 ? SKColorType.Rgba8888 : SKColorType.Gray8;
                var dstInfo = new SKImageInfo(dw, dh, ct, ct == SKColorType.Gray8 ? SKAlphaType.Opaque : SKAlphaType.Unpremul, null);
                SKCodecResult result;
                if (layout == PixelLayout.Int32)
                {
                    // 16-bit grayscale PNG (Pillow mode I). SkiaSharp offers 8 bits only: values are taken as
                    // v8 * 257, exact for the usual 8-to-16-bit conversion (value x 257); see docs/hashing.md.
                    result = DecodeInto(codec, dstInfo, pixels.Buffer, 0);
                    ExpandGrayToInt32(pixels, dw * dh);
                }
                else
                {
                    result = DecodeInto(codec, dstInfo, pixels.Buffer, 0);
                }
                ThrowOnResult(result, header);
                int orientation = (int)codec.EncodedOrigin;
                if (orientation < 1 || orientation > 8)
                {
                    orientation = 1;
                }
                var decoded = new DecodedImage(pixels, w, h, orientation, scale, header.FormatName);
                decoded.Warnings.AddRange(warnings);
                return decoded;
            }
            catch
            {
                pixels.Dispose();
                throw;
            }
        }
    }

    private static unsafe SKCodecResult DecodeInto(SKCodec codec, SKImageInfo info, byte[] buffer, int offset)
    {
        if ((long)info.RowBytes * info.Height > buffer.Length - offset)
        {
            throw new InvalidOperationException("Pixel buffer too small.");
        }
        fixed (byte* p = &buffer[offset])
        {
            return codec.GetPixels(info, (IntPtr)p, info.RowBytes, new SKCodecOptions(0));
        }
    }

    /// <summary>Gray8 pixels at the start of the buffer become Int32 v * 257, in place (from the end backwards).</summary>
    private static void ExpandGrayToInt32(PixelImage img, int count)
    {
        byte[] b = img.Buffer;
        for (int i = count - 1; i >= 0; i--)
        {
            int v = b[i] * 257;
            BitConverter.TryWriteBytes(b.AsSpan(i * 4, 4), v);
        }
    }

    /// <summary>Format detection and the checks that need no decoder: empty input, known-unsupported containers, PNG header limits and truncation.</summary>
    private static ImageHeader Preflight(ReadOnlySpan<byte> bytes, DecodeOptions options, out List<string> warnings)
    {
        warnings = [];
        if (bytes.Length == 0)
        {
            throw new ImageProcessingException(ImageErrorKind.DecodeFailed, "The file is empty (0 bytes): not an image.");
        }
        ImageHeader header = ImageHeader.Sniff(bytes);
        if (header.Format == ContainerFormat.Unsupported)
        {
            throw new ImageProcessingException(ImageErrorKind.FormatUnsupported,
                string.Format(CultureInfo.InvariantCulture, "{0} images are not supported (JPEG, PNG, GIF, WebP and BMP are).", header.FormatName));
        }
        if (header.Format == ContainerFormat.Unknown)
        {
            throw new ImageProcessingException(ImageErrorKind.DecodeFailed, "Not a recognised image format (no JPEG, PNG, GIF, WebP or BMP signature).");
        }
        if (header.Format == ContainerFormat.Jpeg)
        {
            JpegStructure.Status js = JpegStructure.Check(bytes);
            if (js == JpegStructure.Status.Truncated)
            {
                throw new ImageProcessingException(ImageErrorKind.Truncated,
                    "The JPEG file is truncated: it ends before the end-of-image marker.");
            }
        }
        if (header.Png is { } png)
        {
            CheckLimits(png.Width, png.Height, options, warnings);
            if (png.CertainlyTooShort)
            {
                throw new ImageProcessingException(ImageErrorKind.Truncated, string.Format(CultureInfo.InvariantCulture,
                    "The PNG image data is truncated: {0} compressed bytes cannot hold {1}x{2} pixels.{3}",
                    png.IdatBytes, png.Width, png.Height, warnings.Count > 0 ? " " + warnings[0] : string.Empty));
            }
        }
        return header;
    }

    private static void CheckLimits(int width, int height, DecodeOptions options, List<string>? warnings)
    {
        long pixels = (long)width * height;
        if (width <= 0 || height <= 0)
        {
            throw new ImageProcessingException(ImageErrorKind.DecodeFailed,
                string.Format(CultureInfo.InvariantCulture, "Invalid image size {0}x{1}.", width, height));
        }
        if (pixels > options.PixelLimit)
        {
            throw new ImageProcessingException(ImageErrorKind.TooLarge, string.Format(CultureInfo.InvariantCulture,
                "Image size ({0}x{1} = {2:N0} pixels) exceeds the limit of {3:N0} pixels: refused as a possible decompression bomb.",
                width, height, pixels, options.PixelLimit));
        }
        if (pixels > options.PixelWarningLimit && warnings is not null)
        {
            string w = string.Format(CultureInfo.InvariantCulture,
                "Image size ({0:N0} pixels) exceeds the warning limit of {1:N0} pixels: could be a decompression bomb.",
                pixels, options.PixelWarningLimit);
            if (!warnings.Contains(w))
            {
                warnings.Add(w);
            }
        }
    }

    private static SKCodec CreateCodec(SKData data, ImageHeader header)
    {
        SKCodec? codec = SKCodec.Create(data);
        if (codec is not null)
        {
            return codec;
        }
        // SKCodec.Create(SKData) gives no result code: ask again through a stream for it.
        SKCodecResult result;
        using (var stream = new SKMemoryStream(data))
        {
            using SKCodec? again = SKCodec.Create(stream, out result);
        }
        throw result == SKCodecResult.IncompleteInput
            ? new ImageProcessingException(ImageErrorKind.Truncated, string.Format(CultureInfo.InvariantCulture,
                "The {0} file ends inside its header: truncated.", header.FormatName))
            : new ImageProcessingException(ImageErrorKind.DecodeFailed, string.Format(CultureInfo.InvariantCulture,
                "The {0} header could not be read ({1}).", header.FormatName, result));
    }

    private static void ThrowOnResult(SKCodecResult result, ImageHeader header)
    {
        switch (result)
        {
            case SKCodecResult.Success:
                return;
            case SKCodecResult.IncompleteInput:
                throw new ImageProcessingException(ImageErrorKind.Truncated, string.Format(CultureInfo.InvariantCulture,
                    "The {0} image data is truncated (the file ends before the last row).", header.FormatName));
            case SKCodecResult.ErrorInInput:
                throw new ImageProcessingException(ImageErrorKind.DecodeFailed, string.Format(CultureInfo.InvariantCulture,
                    "The {0} image data is corrupt.", header.FormatName));
            case SKCodecResult.Unimplemented:
            case SKCodecResult.InvalidConversion:
                throw new ImageProcessingException(ImageErrorKind.FormatUnsupported, string.Format(CultureInfo.InvariantCulture,
                    "This kind of {0} image cannot be decoded ({1}).", header.FormatName, result));
            default:
                throw new ImageProcessingException(ImageErrorKind.DecodeFailed, string.Format(CultureInfo.InvariantCulture,
                    "The {0} image could not be decoded ({1}).", header.FormatName, result));
        }
    }

    /// <summary>Pillow's mode for formats whose header we do not parse ourselves.</summary>
    private static PillowMode ModeFromCodec(ImageHeader header, SKCodec codec)
    {
        SKImageInfo info = codec.Info;
        if (info.ColorType == SKColorType.Gray8)
        {
            return PillowMode.L;
        }
        if (header.Format == ContainerFormat.Jpeg)
        {
            return PillowMode.RGB;
        }
        return info.AlphaType == SKAlphaType.Opaque ? PillowMode.RGB : PillowMode.RGBA;
    }
}
