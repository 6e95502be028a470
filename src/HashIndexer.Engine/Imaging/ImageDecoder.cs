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
        using DecodeSession session = Open(encoded, options, minimumWidth, minimumHeight, cancellationToken);
        return session.DecodeAll();
    }

    /// <summary>
    /// Reads the header and prepares the decoder (checks and limits as <see cref="Decode"/>): the caller then either
    /// decodes the whole image (<see cref="DecodeSession.DecodeAll"/>) or, for JPEGs, reads it a band of rows at a time.
    /// </summary>
    public static DecodeSession Open(ReadOnlyMemory<byte> encoded, DecodeOptions options, int minimumWidth, int minimumHeight, CancellationToken cancellationToken)
    {
        ImageHeader header = Preflight(encoded.Span, options, out List<string> warnings);
        cancellationToken.ThrowIfCancellationRequested();
        return new DecodeSession(encoded, header, warnings, options, minimumWidth, minimumHeight);
    }

    /// <summary>An open decoder on pinned encoded bytes: header values, then a full decode or a row-by-row decode.</summary>
    internal sealed class DecodeSession : IDisposable
    {
        private readonly ImageHeader _header;
        private readonly List<string> _warnings;
        private readonly ReadOnlyMemory<byte> _encoded;
        private readonly TurboJpeg? _turbo;
        private System.Buffers.MemoryHandle _pin;
        private SKData? _data;
        private SKCodec? _codec;
        private int _rowBytes;

        // A row read served from one libturbojpeg decode of the whole image: the pixels and the next row to hand out.
        private NativePixelBuffer? _turboRows;
        private int _nextRow;

        public unsafe DecodeSession(ReadOnlyMemory<byte> encoded, ImageHeader header, List<string> warnings, DecodeOptions options, int minimumWidth, int minimumHeight)
        {
            _header = header;
            _warnings = warnings;
            _encoded = encoded;
            _turbo = options.UseTurboJpeg && header.Format == ContainerFormat.Jpeg ? TurboJpeg.Instance : null;
            _pin = encoded.Pin();
            try
            {
                _data = SKData.Create((IntPtr)_pin.Pointer, encoded.Length, s_noRelease);
                _codec = CreateCodec(_data, header);
                SKImageInfo info = _codec.Info;
                int w = info.Width, h = info.Height;
                CheckLimits(w, h, options, warnings);
                StoredWidth = w;
                StoredHeight = h;
                Mode = header.Mode ?? ModeFromCodec(header, _codec);
                int scale = 1;
                if (options.Mode == DecodeMode.Fast && header.Format == ContainerFormat.Jpeg)
                {
                    int fit = Math.Min(w / Math.Max(1, minimumWidth), h / Math.Max(1, minimumHeight));
                    scale = fit >= 8 ? 8 : fit >= 4 ? 4 : fit >= 2 ? 2 : 1;
                }
                int dw = w, dh = h;
                if (scale > 1)
                {
                    SKSizeI d = _codec.GetScaledDimensions(1f / scale);
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
                Scale = scale;
                Width = dw;
                Height = dh;
                Layout = Mode == PillowMode.I ? PixelLayout.Int32
                    : info.ColorType == SKColorType.Gray8 ? PixelLayout.Gray8 : PixelLayout.Rgba32;
                int orientation = (int)_codec.EncodedOrigin;
                Orientation = orientation is < 1 or > 8 ? 1 : orientation;
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public int StoredWidth { get; }

        public int StoredHeight { get; }

        /// <summary>Size of the pixels the decoder produces (DCT-scaled in Fast mode).</summary>
        public int Width { get; }

        public int Height { get; }

        public int Scale { get; }

        public PillowMode Mode { get; }

        public PixelLayout Layout { get; }

        public int Orientation { get; }

        public string FormatName => _header.FormatName;

        public IReadOnlyList<string> Warnings => _warnings;

        /// <summary>True for JPEGs: their rows can be read top to bottom with <see cref="StartRows"/> and <see cref="ReadRows"/>.</summary>
        public bool CanStreamRows => _header.Format == ContainerFormat.Jpeg && Layout != PixelLayout.Int32;

        private SKCodec Codec => _codec ?? throw new ObjectDisposedException(nameof(DecodeSession));

        private SKImageInfo DestinationInfo()
        {
            SKColorType ct = Layout == PixelLayout.Rgba32 ? SKColorType.Rgba8888 : SKColorType.Gray8;
            return new SKImageInfo(Width, Height, ct, ct == SKColorType.Gray8 ? SKAlphaType.Opaque : SKAlphaType.Unpremul, null);
        }

        /// <summary>Decodes the whole image into a pooled buffer.</summary>
        public DecodedImage DecodeAll()
        {
            if (_rowBytes != 0)
            {
                // A row-by-row decode was started: begin again with a fresh decoder.
                _turboRows?.Dispose();
                _turboRows = null;
                _codec?.Dispose();
                _codec = null;
                _codec = CreateCodec(_data!, _header);
                _rowBytes = 0;
            }
            SKCodec codec = Codec;
            var pixels = new PixelImage(Width, Height, Layout, Mode);
            try
            {
                if (TryTurboDecode(pixels.Buffer))
                {
                    return Decoded(pixels);
                }
                SKImageInfo dstInfo = DestinationInfo();
                SKCodecResult result = DecodeInto(codec, dstInfo, pixels.Buffer, 0);
                if (Layout == PixelLayout.Int32)
                {
                    // 16-bit grayscale PNG (Pillow mode I). SkiaSharp offers 8 bits only: values are taken as
                    // v8 * 257, exact for the usual 8-to-16-bit conversion (value x 257); see docs/hashing.md.
                    ExpandGrayToInt32(pixels, Width * Height);
                }
                ThrowOnResult(result, _header);
                return Decoded(pixels);
            }
            catch
            {
                pixels.Dispose();
                throw;
            }
        }

        private DecodedImage Decoded(PixelImage pixels)
        {
            var decoded = new DecodedImage(pixels, StoredWidth, StoredHeight, Orientation, Scale, _header.FormatName);
            decoded.Warnings.AddRange(_warnings);
            return decoded;
        }

        /// <summary>The whole image through the machine's SIMD libjpeg-turbo, if installed and this JPEG suits it (see <see cref="TurboJpeg"/>).</summary>
        private bool TryTurboDecode(Span<byte> destination)
            => _turbo is not null && Layout != PixelLayout.Int32
                && _turbo.TryDecode(_encoded.Span, destination, Width, Height, Layout == PixelLayout.Gray8);

        /// <summary>
        /// Starts a top-to-bottom row decode (<see cref="CanStreamRows"/> only). Rows are Gray8 (1 byte a pixel) or
        /// RGBA (4 bytes), as <see cref="DecodeAll"/> gives them. False if the decoder cannot (then use DecodeAll).
        /// </summary>
        public bool StartRows()
        {
            if (!CanStreamRows || _rowBytes != 0)
            {
                return false;
            }
            SKImageInfo info = DestinationInfo();
            if (_turbo is not null)
            {
                // libturbojpeg decodes whole images only; its SIMD decode of the whole image is still far cheaper
                // than SkiaSharp's row by row. The spare bytes keep the last row's padding readable.
                int length = checked((info.RowBytes * Height) + RowResizer.RowPadding);
                var full = NativePixelBuffer.Rent(length);
                if (TryTurboDecode(full.Span(length)))
                {
                    _turboRows = full;
                    _nextRow = 0;
                    _rowBytes = info.RowBytes;
                    return true;
                }
                full.Dispose();
            }
            SKCodecResult r = Codec.StartScanlineDecode(info);
            _rowBytes = info.RowBytes;
            return r == SKCodecResult.Success && Codec.ScanlineOrder == SKCodecScanlineOrder.TopDown;
        }

        /// <summary>
        /// The next <paramref name="count"/> rows (row after row, no padding, followed by at least
        /// <see cref="RowResizer.RowPadding"/> readable bytes), decoded into <paramref name="band"/> or straight from a
        /// whole-image decode; empty when the decoder stopped early.
        /// </summary>
        public unsafe ReadOnlySpan<byte> ReadRows(Span<byte> band, int count)
        {
            if (_turboRows is { } full)
            {
                count = Math.Min(count, Height - _nextRow);
                // Rows up to the end of this band, plus the padding (the spare row after the last one).
                int end = ((_nextRow + count) * _rowBytes) + RowResizer.RowPadding;
                ReadOnlySpan<byte> rows = full.Span(end)[(_nextRow * _rowBytes)..];
                _nextRow += count;
                return rows;
            }
            if (((long)count * _rowBytes) + RowResizer.RowPadding > band.Length)
            {
                throw new ArgumentException("Band buffer too small.", nameof(band));
            }
            fixed (byte* p = band)
            {
                int decoded = Codec.GetScanlines((IntPtr)p, count, _rowBytes);
                return decoded == count ? band[..((count * _rowBytes) + RowResizer.RowPadding)] : [];
            }
        }

        public void Dispose()
        {
            _turboRows?.Dispose();
            _turboRows = null;
            _codec?.Dispose();
            _codec = null;
            _data?.Dispose();
            _data = null;
            _pin.Dispose();
            _pin = default;
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
