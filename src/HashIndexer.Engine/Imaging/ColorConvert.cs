// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>L of RGBA pixels (alpha ignored) into bytes, vectorised (the same integer formula as <see cref="Luma"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LumaBytes(ReadOnlySpan<byte> rgba, Span<byte> dst)
    {
        int n = Math.Min(dst.Length, rgba.Length / 4);
        int x = 0;
        if (Vector256.IsHardwareAccelerated && n >= 32)
        {
            ref uint src = ref Unsafe.As<byte, uint>(ref MemoryMarshal.GetReference(rgba));
            ref byte d = ref MemoryMarshal.GetReference(dst);
            for (; x <= n - 32; x += 32)
            {
                Vector256<uint> l0 = Luma8(Vector256.LoadUnsafe(ref src, (nuint)x));
                Vector256<uint> l1 = Luma8(Vector256.LoadUnsafe(ref src, (nuint)(x + 8)));
                Vector256<uint> l2 = Luma8(Vector256.LoadUnsafe(ref src, (nuint)(x + 16)));
                Vector256<uint> l3 = Luma8(Vector256.LoadUnsafe(ref src, (nuint)(x + 24)));
                Vector256.Narrow(Vector256.Narrow(l0, l1), Vector256.Narrow(l2, l3)).StoreUnsafe(ref d, (nuint)x);
            }
        }
        for (int q = x * 4; x < n; x++, q += 4)
        {
            dst[x] = (byte)Luma(rgba[q], rgba[q + 1], rgba[q + 2]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Luma8(Vector256<uint> px)
    {
        // Little-endian RGBA: R in the low byte of each 32-bit pixel.
        var mask = Vector256.Create(0xFFu);
        var r = px & mask;
        var g = Vector256.ShiftRightLogical(px, 8) & mask;
        var b = Vector256.ShiftRightLogical(px, 16) & mask;
        return Vector256.ShiftRightLogical((r * 19595u) + (g * 38470u) + (b * 7471u) + Vector256.Create(0x8000u), 16);
    }

    /// <summary>L of RGBA pixels (alpha ignored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LumaOf(ReadOnlySpan<byte> rgba, Span<byte> dst)
    {
        for (int i = 0, q = 0; i < dst.Length; i++, q += 4)
        {
            dst[i] = (byte)Luma(rgba[q], rgba[q + 1], rgba[q + 2]);
        }
    }
}
