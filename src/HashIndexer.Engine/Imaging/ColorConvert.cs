// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Runtime.CompilerServices;

namespace HashIndexer.Engine.Imaging;

/// <summary>Pillow 9.4 Convert.c pixel conversions, integer-exact.</summary>
internal static class ColorConvert
{
    /// <summary>Pillow's L24 luma: (R*19595 + G*38470 + B*7471 + 0x8000) &gt;&gt; 16 (rgb2l, p2l).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Luma(int r, int g, int b) => ((r * 19595) + (g * 38470) + (b * 7471) + 0x8000) >> 16;

    /// <summary>Pillow's MULDIV255(a, b): tmp = a*b + 128; ((tmp &gt;&gt; 8) + tmp) &gt;&gt; 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MulDiv255(int a, int b)
    {
        int tmp = (a * b) + 128;
        return ((tmp >> 8) + tmp) >> 8;
    }

    /// <summary>Pillow's RGBa to RGBA (rgba2rgbA), then L of the colour channels.</summary>
    public static void UnpremultipliedLuma(ReadOnlySpan<byte> rgba, Span<byte> dst)
    {
        for (int i = 0, q = 0; i < dst.Length; i++, q += 4)
        {
            int a = rgba[q + 3];
            int r = rgba[q], g = rgba[q + 1], b = rgba[q + 2];
            if (a != 255 && a != 0)
            {
                r = Math.Min(255, 255 * r / a);
                g = Math.Min(255, 255 * g / a);
                b = Math.Min(255, 255 * b / a);
            }
            dst[i] = (byte)Luma(r, g, b);
        }
    }

    /// <summary>L of RGBA pixels (alpha ignored).</summary>
    public static void LumaOf(ReadOnlySpan<byte> rgba, Span<byte> dst)
    {
        for (int i = 0, q = 0; i < dst.Length; i++, q += 4)
        {
            dst[i] = (byte)Luma(rgba[q], rgba[q + 1], rgba[q + 2]);
        }
    }
}
