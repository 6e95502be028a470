// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Runtime.CompilerServices;
using System.Globalization;

namespace HashIndexer.Engine.Imaging;

/// <summary>Pillow 9.4 operations on 8-bit grayscale images used by the advanced permutations, reproduced exactly.</summary>
internal static class PillowOps
{
    /// <summary>Image.rotate(angle, resample=BICUBIC): affine transform about the centre, same size, fill 0 (Geometry.c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static PixelImage Rotate(PixelImage src, double angleDegrees)
    {
        int w = src.Width, h = src.Height;
        var dst = new PixelImage(w, h, PixelLayout.Gray8, PillowMode.L);
        double angle = angleDegrees % 360.0;
        if (angle != 0 && angle < 0)
        {
            angle += 360.0;
        }
        ReadOnlySpan<byte> s = src.Bytes;
        Span<byte> d = dst.Bytes;
        if (angle == 0)
        {
            s.CopyTo(d);
            return dst;
        }
        if (angle == 180)
        {
            for (int i = 0; i < d.Length; i++)
            {
                d[i] = s[d.Length - 1 - i];
            }
            return dst;
        }
        if ((angle == 90 || angle == 270) && w == h)
        {
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    // ROTATE_90 (counter-clockwise): out(x, y) = in(w-1-y, x); ROTATE_270: in(y, h-1-x).
                    d[(y * w) + x] = angle == 90 ? s[(x * w) + (w - 1 - y)] : s[((h - 1 - x) * w) + y];
                }
            }
            return dst;
        }
        double rad = -(angle * (Math.PI / 180.0));
        double a = PyRound15(Math.Cos(rad)), b = PyRound15(Math.Sin(rad)), dd = PyRound15(-Math.Sin(rad)), e = PyRound15(Math.Cos(rad));
        double cx = w / 2.0, cy = h / 2.0;
        double c = (a * -cx) + (b * -cy) + 0.0;
        double f = (dd * -cx) + (e * -cy) + 0.0;
        c += cx;
        f += cy;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double xin = x + 0.5, yin = y + 0.5;
                double xx = (a * xin) + (b * yin) + c;
                double yy = (dd * xin) + (e * yin) + f;
                d[(y * w) + x] = BicubicFilter8(s, w, h, xx, yy);
            }
        }
        return dst;
    }

    /// <summary>Python's round(x, 15): correctly rounded to 15 decimals.</summary>
    private static double PyRound15(double x)
        => double.Parse(x.ToString("F15", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte BicubicFilter8(ReadOnlySpan<byte> im, int w, int h, double xin, double yin)
    {
        if (xin < 0.0 || xin >= w || yin < 0.0 || yin >= h)
        {
            return 0;
        }
        xin -= 0.5;
        yin -= 0.5;
        int x = (int)Math.Floor(xin);
        int y = (int)Math.Floor(yin);
        double dx = xin - x;
        double dy = yin - y;
        x--;
        y--;
        int x0 = Math.Clamp(x, 0, w - 1), x1 = Math.Clamp(x + 1, 0, w - 1), x2 = Math.Clamp(x + 2, 0, w - 1), x3 = Math.Clamp(x + 3, 0, w - 1);
        int r = Math.Clamp(y, 0, h - 1) * w;
        double v1 = Cubic(im[r + x0], im[r + x1], im[r + x2], im[r + x3], dx);
        double v2, v3, v4;
        if (y + 1 >= 0 && y + 1 < h)
        {
            r = (y + 1) * w;
            v2 = Cubic(im[r + x0], im[r + x1], im[r + x2], im[r + x3], dx);
        }
        else
        {
            v2 = v1;
        }
        if (y + 2 >= 0 && y + 2 < h)
        {
            r = (y + 2) * w;
            v3 = Cubic(im[r + x0], im[r + x1], im[r + x2], im[r + x3], dx);
        }
        else
        {
            v3 = v2;
        }
        if (y + 3 >= 0 && y + 3 < h)
        {
            r = (y + 3) * w;
            v4 = Cubic(im[r + x0], im[r + x1], im[r + x2], im[r + x3], dx);
        }
        else
        {
            v4 = v3;
        }
        double v = Cubic(v1, v2, v3, v4, dy);
        return v <= 0.0 ? (byte)0 : v >= 255.0 ? (byte)255 : (byte)v;
    }

    /// <summary>Geometry.c BICUBIC macro.</summary>
    private static double Cubic(double v1, double v2, double v3, double v4, double d)
    {
        double p1 = v2;
        double p2 = -v1 + v3;
        double p3 = (2 * (v1 - v2)) + v3 - v4;
        double p4 = -v1 + v2 - v3 + v4;
        return p1 + (d * (p2 + (d * (p3 + (d * p4)))));
    }

    /// <summary>img.resize(img.size, BICUBIC, box=centre 1/zoom of the image).</summary>
    public static PixelImage Zoom(PixelImage src, double zoom)
    {
        int w = src.Width, h = src.Height;
        double cw = w / zoom, ch = h / zoom;
        double x0 = (w - cw) / 2, y0 = (h - ch) / 2;
        return Resampler.Resize(new ImageView(src), ChannelRead.Gray, w, h, ResampleFilter.Bicubic, PillowMode.L,
            ((float)x0, (float)y0, (float)(x0 + cw), (float)(y0 + ch)));
    }

    /// <summary>ImageEnhance.Contrast's degenerate value: int(mean + 0.5) of the L histogram.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int ContrastMean(PixelImage src)
    {
        long sum = 0;
        ReadOnlySpan<byte> s = src.Bytes;
        foreach (byte v in s)
        {
            sum += v;
        }
        return (int)(((double)sum / s.Length) + 0.5);
    }

    /// <summary>Image.blend(constant image of <paramref name="baseValue"/>, img, alpha) (ImagingBlend, float alpha).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static PixelImage Blend(PixelImage src, int baseValue, float alpha)
    {
        var dst = new PixelImage(src.Width, src.Height, PixelLayout.Gray8, PillowMode.L);
        ReadOnlySpan<byte> s = src.Bytes;
        Span<byte> d = dst.Bytes;
        if (alpha == 0.0f)
        {
            d.Fill((byte)baseValue);
            return dst;
        }
        if (alpha == 1.0f)
        {
            s.CopyTo(d);
            return dst;
        }
        bool inside = alpha >= 0 && alpha <= 1.0f;
        for (int i = 0; i < d.Length; i++)
        {
            float t = baseValue + (alpha * (s[i] - baseValue));
            d[i] = inside ? (byte)t : t <= 0.0f ? (byte)0 : t >= 255.0f ? (byte)255 : (byte)t;
        }
        return dst;
    }
}
