// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer.Engine.Imaging;

/// <summary>How the pixels of a view are read as integer channels by the resampler.</summary>
internal enum ChannelRead
{
    /// <summary>Gray8 as is: one channel.</summary>
    Gray,

    /// <summary>Rgba32 to Pillow's L (ITU-R 601-2, integer): one channel. Alpha ignored, as convert('L') does.</summary>
    Luma,

    /// <summary>Int32 (mode I) clipped to 0..255, as Pillow's I to L conversion: one channel.</summary>
    ClipToByte,

    /// <summary>Rgba32 as is: four channels.</summary>
    Rgba,

    /// <summary>Rgba32 premultiplied by alpha (Pillow's RGBA to RGBa): four channels.</summary>
    RgbaPremultiplied,
}

/// <summary>
/// A possibly transposed or mirrored window on a <see cref="PixelImage"/>: pixel (x, y) of the view is pixel
/// index <c>Origin + x * Dx + y * Dy</c> of the image. Mirror, flip and all EXIF orientations are views, so
/// they cost no copy of the full-size image.
/// </summary>
internal readonly struct ImageView
{
    public ImageView(PixelImage image)
        : this(image, image.Width, image.Height, 0, 1, image.Width)
    {
    }

    public ImageView(PixelImage image, int width, int height, long origin, int dx, int dy)
    {
        Image = image;
        Width = width;
        Height = height;
        Origin = origin;
        Dx = dx;
        Dy = dy;
    }

    public PixelImage Image { get; }

    public int Width { get; }

    public int Height { get; }

    public long Origin { get; }

    public int Dx { get; }

    public int Dy { get; }

    public bool IsContiguousRows => Dx == 1;

    /// <summary>Left-right mirror of this view (ImageOps.mirror).</summary>
    public ImageView Mirror() => new(Image, Width, Height, Origin + ((long)(Width - 1) * Dx), -Dx, Dy);

    /// <summary>Top-bottom flip of this view (ImageOps.flip).</summary>
    public ImageView Flip() => new(Image, Width, Height, Origin + ((long)(Height - 1) * Dy), Dx, -Dy);

    /// <summary>Transpose (x and y swapped).</summary>
    public ImageView Transpose() => new(Image, Height, Width, Origin, Dy, Dx);

    /// <summary>
    /// The view that displays the image upright for an EXIF orientation value (1-8), as Pillow's
    /// ImageOps.exif_transpose: 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 270 (90 clockwise),
    /// 7 transverse, 8 rotate 90 (counter-clockwise). Other values give the view unchanged.
    /// </summary>
    public ImageView Oriented(int orientation) => orientation switch
    {
        2 => Mirror(),
        3 => Mirror().Flip(),
        4 => Flip(),
        5 => Transpose(),
        6 => Transpose().Mirror(),
        7 => Transpose().Mirror().Flip(),
        8 => Transpose().Flip(),
        _ => this,
    };

    public static int Channels(ChannelRead read) => read is ChannelRead.Rgba or ChannelRead.RgbaPremultiplied ? 4 : 1;
}
