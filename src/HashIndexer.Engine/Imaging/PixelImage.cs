// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer.Engine.Imaging;

/// <summary>The Pillow 9.4 mode an image opens in; it decides grayscale conversion and the default resize filter.</summary>
internal enum PillowMode
{
    /// <summary>8-bit grayscale (grayscale JPEG, 1/2/4/8-bit grayscale PNG, grayscale-ramp GIF).</summary>
    L,

    /// <summary>8-bit RGB (JPEG, WebP, PNG RGB at 8 or 16 bits per channel, BMP).</summary>
    RGB,

    /// <summary>RGB with alpha (PNG, WebP with alpha).</summary>
    RGBA,

    /// <summary>Grayscale with alpha (PNG colour type 4); stored here as RGBA with R = G = B.</summary>
    LA,

    /// <summary>Palette (GIF, palette PNG): resize uses NEAREST; stored here as RGBA through the palette.</summary>
    P,

    /// <summary>1-bit (bilevel PNG): resize uses NEAREST; stored here as Gray8 0/255.</summary>
    One,

    /// <summary>32-bit integer grayscale: Pillow's mode for 16-bit grayscale PNGs. convert('L') clips to 0..255.</summary>
    I,

    /// <summary>CMYK JPEG. SkiaSharp decodes it to RGB (identical to Pillow's convert('RGB')).</summary>
    CMYK,
}

/// <summary>Storage layout of a <see cref="PixelImage"/>.</summary>
internal enum PixelLayout
{
    /// <summary>One byte per pixel.</summary>
    Gray8,

    /// <summary>Four bytes per pixel, R G B A, alpha not premultiplied (alpha is 255 for opaque modes).</summary>
    Rgba32,

    /// <summary>One Int32 per pixel (mode I), stored in the byte buffer in machine order.</summary>
    Int32,
}

/// <summary>Pixels in a (usually pooled) buffer. Dispose returns the buffer to the pool.</summary>
internal sealed class PixelImage : IDisposable
{
    private byte[]? _buffer;

    public PixelImage(int width, int height, PixelLayout layout, PillowMode mode)
    {
        Width = width;
        Height = height;
        Layout = layout;
        Mode = mode;
        _buffer = PixelBufferPool.Rent((long)width * height * BytesPerPixel(layout));
    }

    public int Width { get; }

    public int Height { get; }

    public PixelLayout Layout { get; }

    public PillowMode Mode { get; }

    public int BytesPerPixel() => BytesPerPixel(Layout);

    public int Stride => Width * BytesPerPixel(Layout);

    public long ByteLength => (long)Stride * Height;

    /// <summary>The pixel bytes (exactly <see cref="ByteLength"/> long).</summary>
    public Span<byte> Bytes => Buffer.AsSpan(0, checked((int)ByteLength));

    public byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(PixelImage));

    public Span<byte> Row(int y) => Buffer.AsSpan(y * Stride, Stride);

    public static int BytesPerPixel(PixelLayout layout) => layout == PixelLayout.Gray8 ? 1 : 4;

    public void Dispose()
    {
        byte[]? b = _buffer;
        _buffer = null;
        PixelBufferPool.Return(b);
    }
}
