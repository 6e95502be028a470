// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HashIndexer.Engine.Imaging;

/// <summary>
/// Pillow 9.4's Image.resize, integer-exact: two passes (horizontal first, over only the rows the vertical pass
/// will use, then vertical), 8-bit fixed-point weights with 22 fractional bits, rounding by adding half and
/// clipping to 0..255 after each pass (Resample.c). Mode I images use the double-precision 32-bit path.
/// NEAREST is Pillow's affine nearest-neighbour scaling (Geometry.c ImagingScaleAffine).
/// Sums are integer, so vectorising them changes nothing.
/// </summary>
internal static class Resampler
{
    private const int Half = 1 << (ResampleCoefficients.PrecisionBits - 1);

    /// <summary>
    /// Resizes an 8-bit view to <paramref name="width"/> x <paramref name="height"/>. The result has one channel
    /// (Gray8) for Gray/Luma/ClipToByte reads and four (Rgba32, still premultiplied if read so) otherwise.
    /// </summary>
    public static PixelImage Resize(in ImageView src, ChannelRead read, int width, int height, ResampleFilter filter, PillowMode resultMode)
        => Resize(src, read, width, height, filter, resultMode, null);

    /// <summary>Resize of the source box (x0, y0, x1, y1) (Pillow's box argument, as C floats) to width x height.</summary>
    public static PixelImage Resize(in ImageView src, ChannelRead read, int width, int height, ResampleFilter filter, PillowMode resultMode, (float X0, float Y0, float X1, float Y1)? box)
    {
        int ch = ImageView.Channels(read);
        PixelLayout layout = ch == 1 ? PixelLayout.Gray8 : PixelLayout.Rgba32;
        if (filter == ResampleFilter.Nearest)
        {
            return Nearest(src, read, width, height, layout, resultMode);
        }
        bool needH = width != src.Width;
        bool needV = height != src.Height;
        if (box is { } bx)
        {
            // Pillow: need_horizontal = xsize != imIn->xsize || box[0] || box[2] != xsize.
            needH |= bx.X0 != 0 || bx.X1 != width;
            needV |= bx.Y0 != 0 || bx.Y1 != height;
        }
        var vert = box is { } bv ? ResampleCoefficients.ForBox(src.Height, bv.Y0, bv.Y1, height, filter) : ResampleCoefficients.Get(src.Height, height, filter);
        int yFirst = needV ? vert.Start[0] : 0;
        int yLast = needV ? vert.Start[height - 1] + vert.Count[height - 1] : src.Height;
        int rows = yLast - yFirst;

        var result = new PixelImage(width, height, layout, resultMode);
        // Horizontal pass (or a plain read of the rows if the width does not change) into temp.
        PixelImage temp = needV ? new PixelImage(width, rows, layout, resultMode) : result;
        try
        {
            int[] rowInts = ArrayPool<int>.Shared.Rent((src.Width * ch) + 16);
            try
            {
                var hor = !needH ? null
                    : box is { } bh ? ResampleCoefficients.ForBox(src.Width, bh.X0, bh.X1, width, filter)
                    : ResampleCoefficients.Get(src.Width, width, filter);
                bool direct = hor is not null && src.IsContiguousRows && Avx2.IsSupported
                    && (read == ChannelRead.Rgba || read == ChannelRead.Gray);
                for (int y = 0; y < rows; y++)
                {
                    if (direct)
                    {
                        // Straight from the source bytes: no widened copy of the row.
                        long start = (src.Origin + ((long)(yFirst + y) * src.Dy)) * ch;
                        HorizontalBytes(src.Image.Buffer.AsSpan(checked((int)start), src.Width * ch), hor!, temp.Row(y), ch);
                        continue;
                    }
                    Span<int> row = rowInts.AsSpan(0, (src.Width * ch) + 16);
                    LoadRow(src, read, yFirst + y, row);
                    row[(src.Width * ch)..].Clear();
                    Span<byte> dst = temp.Row(y);
                    if (hor is null)
                    {
                        for (int i = 0; i < dst.Length; i++)
                        {
                            dst[i] = (byte)row[i];
                        }
                    }
                    else if (ch == 1)
                    {
                        Horizontal1(row, hor, dst);
                    }
                    else
                    {
                        Horizontal4(row, hor, dst);
                    }
                }
            }
            finally
            {
                ArrayPool<int>.Shared.Return(rowInts);
            }
            if (needV)
            {
                Vertical(temp, yFirst, vert, result, ch);
            }
        }
        catch
        {
            result.Dispose();
            throw;
        }
        finally
        {
            if (!ReferenceEquals(temp, result))
            {
                temp.Dispose();
            }
        }
        return result;
    }

    /// <summary>Pillow's 32-bit path for mode I (double weights, ROUND_UP after each pass), then clip to L.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static PixelImage ResizeInt32ToL(in ImageView src, int width, int height, ResampleFilter filter)
    {
        var result = new PixelImage(width, height, PixelLayout.Gray8, PillowMode.L);
        if (filter == ResampleFilter.Nearest)
        {
            using var n = Nearest(src, ChannelRead.ClipToByte, width, height, PixelLayout.Gray8, PillowMode.L);
            n.Bytes.CopyTo(result.Bytes);
            return result;
        }
        bool needH = width != src.Width;
        bool needV = height != src.Height;
        var vert = ResampleCoefficients.Get(src.Height, height, filter);
        int yFirst = needV ? vert.Start[0] : 0;
        int yLast = needV ? vert.Start[height - 1] + vert.Count[height - 1] : src.Height;
        int rows = yLast - yFirst;
        var temp = new int[width * rows];
        var hor = needH ? ResampleCoefficients.Get(src.Width, width, filter) : null;
        var row = new int[src.Width];
        for (int y = 0; y < rows; y++)
        {
            LoadRowInt32(src, yFirst + y, row);
            for (int xx = 0; xx < width; xx++)
            {
                if (hor is null)
                {
                    temp[(y * width) + xx] = row[xx];
                    continue;
                }
                int start = hor.Start[xx];
                int count = hor.Count[xx];
                int kb = xx * hor.KSize;
                double ss = 0.0;
                for (int x = 0; x < count; x++)
                {
                    ss += row[start + x] * hor.Weights[kb + x];
                }
                temp[(y * width) + xx] = RoundUp(ss);
            }
        }
        Span<byte> dst = result.Bytes;
        for (int yy = 0; yy < height; yy++)
        {
            for (int xx = 0; xx < width; xx++)
            {
                int v;
                if (!needV)
                {
                    v = temp[(yy * width) + xx];
                }
                else
                {
                    int start = vert.Start[yy] - yFirst;
                    int count = vert.Count[yy];
                    int kb = yy * vert.KSize;
                    double ss = 0.0;
                    for (int y = 0; y < count; y++)
                    {
                        ss += temp[((start + y) * width) + xx] * vert.Weights[kb + y];
                    }
                    v = RoundUp(ss);
                }
                dst[(yy * width) + xx] = (byte)Math.Clamp(v, 0, 255);
            }
        }
        return result;
    }

    /// <summary>Pillow's ROUND_UP macro: (int)(f >= 0 ? f + 0.5F : f - 0.5F).</summary>
    private static int RoundUp(double f) => (int)(f >= 0.0 ? f + 0.5 : f - 0.5);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Clip8(int v)
    {
        v >>= ResampleCoefficients.PrecisionBits;
        return v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Horizontal1(ReadOnlySpan<int> row, ResampleCoefficients c, Span<byte> dst)
    {
        int[] k = c.Fixed1;
        int stride = c.Stride1;
        ref int r0 = ref MemoryMarshal.GetReference(row);
        ref int k0 = ref MemoryMarshal.GetArrayDataReference(k);
        for (int xx = 0; xx < dst.Length; xx++)
        {
            int start = c.Start[xx];
            int n = (c.Count[xx] + 7) & ~7;
            ref int r = ref Unsafe.Add(ref r0, start);
            ref int kk = ref Unsafe.Add(ref k0, xx * stride);
            int sum;
            if (Vector256.IsHardwareAccelerated)
            {
                var acc = Vector256<int>.Zero;
                for (int i = 0; i < n; i += 8)
                {
                    acc += Vector256.LoadUnsafe(ref r, (nuint)i) * Vector256.LoadUnsafe(ref kk, (nuint)i);
                }
                sum = Half + Vector256.Sum(acc);
            }
            else
            {
                sum = Half;
                for (int i = 0; i < n; i++)
                {
                    sum += Unsafe.Add(ref r, i) * Unsafe.Add(ref kk, i);
                }
            }
            dst[xx] = Clip8(sum);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Horizontal4(ReadOnlySpan<int> row, ResampleCoefficients c, Span<byte> dst)
    {
        int[] k = c.Fixed4;
        int stride = c.Stride4;
        ref int r0 = ref MemoryMarshal.GetReference(row);
        ref int k0 = ref MemoryMarshal.GetArrayDataReference(k);
        int width = dst.Length / 4;
        for (int xx = 0; xx < width; xx++)
        {
            int start = c.Start[xx] * 4;
            int n = ((c.Count[xx] * 4) + 7) & ~7;
            ref int r = ref Unsafe.Add(ref r0, start);
            ref int kk = ref Unsafe.Add(ref k0, xx * stride);
            int s0, s1, s2, s3;
            if (Vector256.IsHardwareAccelerated)
            {
                var acc = Vector256<int>.Zero;
                for (int i = 0; i < n; i += 8)
                {
                    acc += Vector256.LoadUnsafe(ref r, (nuint)i) * Vector256.LoadUnsafe(ref kk, (nuint)i);
                }
                var s = acc.GetLower() + acc.GetUpper();
                s0 = s.GetElement(0);
                s1 = s.GetElement(1);
                s2 = s.GetElement(2);
                s3 = s.GetElement(3);
            }
            else
            {
                s0 = s1 = s2 = s3 = 0;
                for (int i = 0; i < n; i += 4)
                {
                    s0 += Unsafe.Add(ref r, i) * Unsafe.Add(ref kk, i);
                    s1 += Unsafe.Add(ref r, i + 1) * Unsafe.Add(ref kk, i + 1);
                    s2 += Unsafe.Add(ref r, i + 2) * Unsafe.Add(ref kk, i + 2);
                    s3 += Unsafe.Add(ref r, i + 3) * Unsafe.Add(ref kk, i + 3);
                }
            }
            int o = xx * 4;
            dst[o] = Clip8(Half + s0);
            dst[o + 1] = Clip8(Half + s1);
            dst[o + 2] = Clip8(Half + s2);
            dst[o + 3] = Clip8(Half + s3);
        }
    }

    /// <summary>Horizontal pass reading bytes directly (AVX2 zero-extending loads), for 1 or 4 channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void HorizontalBytes(ReadOnlySpan<byte> row, ResampleCoefficients c, Span<byte> dst, int ch)
    {
        int[] k = ch == 1 ? c.Fixed1 : c.Fixed4;
        int stride = ch == 1 ? c.Stride1 : c.Stride4;
        int width = dst.Length / ch;
        fixed (byte* r0 = row)
        fixed (int* k0 = k)
        {
            for (int xx = 0; xx < width; xx++)
            {
                byte* r = r0 + (c.Start[xx] * ch);
                int* kk = k0 + (xx * stride);
                int n = c.Count[xx] * ch;
                var acc = Vector256<int>.Zero;
                int i = 0;
                for (; i <= n - 8; i += 8)
                {
                    acc = Avx2.Add(acc, Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(r + i), Avx.LoadVector256(kk + i)));
                }
                if (ch == 1)
                {
                    int sum = Half + Vector256.Sum(acc);
                    for (; i < n; i++)
                    {
                        sum += r[i] * kk[i];
                    }
                    dst[xx] = Clip8(sum);
                }
                else
                {
                    var s4 = acc.GetLower() + acc.GetUpper();
                    int s0 = Half + s4.GetElement(0), s1 = Half + s4.GetElement(1), s2 = Half + s4.GetElement(2), s3 = Half + s4.GetElement(3);
                    for (; i < n; i += 4)
                    {
                        s0 += r[i] * kk[i];
                        s1 += r[i + 1] * kk[i + 1];
                        s2 += r[i + 2] * kk[i + 2];
                        s3 += r[i + 3] * kk[i + 3];
                    }
                    int o = xx * 4;
                    dst[o] = Clip8(s0);
                    dst[o + 1] = Clip8(s1);
                    dst[o + 2] = Clip8(s2);
                    dst[o + 3] = Clip8(s3);
                }
            }
        }
    }

    /// <summary>
    /// The horizontal pass of one row of bytes (1 or 4 channels) into <paramref name="dst"/>; without a coefficient
    /// set (same width) a copy. <paramref name="scratch"/> holds at least row.Length + 16 ints (used without AVX2).
    /// Same integer sums as <see cref="Resize(in ImageView, ChannelRead, int, int, ResampleFilter, PillowMode)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void HorizontalRow(ReadOnlySpan<byte> row, ResampleCoefficients? hor, Span<byte> dst, int ch, int[] scratch)
    {
        if (hor is null)
        {
            row[..dst.Length].CopyTo(dst);
            return;
        }
        if (Avx2.IsSupported)
        {
            HorizontalBytes(row, hor, dst, ch);
            return;
        }
        Span<int> ints = scratch.AsSpan(0, row.Length + 16);
        WidenBytes(row, ints);
        ints[row.Length..].Clear();
        if (ch == 1)
        {
            Horizontal1(ints, hor, dst);
        }
        else
        {
            Horizontal4(ints, hor, dst);
        }
    }

    /// <summary>
    /// The horizontal pass of one 1-channel row with 16-bit multiply-adds (vpmaddwd) on split weights
    /// (<see cref="ResampleCoefficients.Split16"/>): the same 32-bit sums as <see cref="HorizontalBytes"/>.
    /// Needs AVX2; uses 512-bit steps for wide windows when AVX-512BW is there. Reads up to 31 bytes past a window's
    /// last tap (with zero weight): the row must have <see cref="RowResizer.RowPadding"/> readable bytes after its end.
    /// </summary>
    /// <remarks>
    /// Why it is shaped like this: on a downscale to 256 pixels most windows are 16 taps or fewer (one or two
    /// multiply-adds), so what used to cost most was adding up each window's vector on its own. Eight windows are
    /// now summed together (a transposing tree of horizontal adds) and rounded, clipped and stored as 8 bytes at once.
    /// The lo and hi sums are combined lane by lane first (hi &lt;&lt; 12 + lo): 32-bit wrap-around cannot change the
    /// result, because the full sum fits in 32 bits and additions and shifts are exact modulo 2^32.
    /// </remarks>
    /// <param name="allowWide">False keeps to 256-bit steps (so that tests cover both on AVX-512 machines).</param>
    internal static unsafe void HorizontalSplit16(ReadOnlySpan<byte> rowWithPadding, ResampleCoefficients c, Span<byte> dst, bool allowWide = true)
    {
        CheckSplit16(rowWithPadding.Length, c, dst.Length);
        fixed (byte* r = rowWithPadding)
        fixed (byte* d = dst)
        {
            Split16Rows(r, 0, 1, c, d, null, null, dst.Length, allowWide);
        }
    }

    /// <summary>
    /// <see cref="HorizontalSplit16(ReadOnlySpan{byte}, ResampleCoefficients, Span{byte}, bool)"/> of the three planes
    /// (R, G, B rows of one source row, <paramref name="planeStride"/> bytes apart, each padded) into three rows.
    /// </summary>
    /// <remarks>
    /// The planes are done eight output pixels at a time, all three together, rather than one plane after the other:
    /// a photo's weights (256 windows of up to ~100 taps, split in two 16-bit halves) are larger than the L1 cache, so
    /// plane by plane they were read from L2 three times a row; this way the eight windows' weights are read once and
    /// stay in L1 for the other two planes.
    /// </remarks>
    internal static unsafe void HorizontalSplit16Planes(ReadOnlySpan<byte> planes, int planeStride, ResampleCoefficients c, Span<byte> dst0, Span<byte> dst1, Span<byte> dst2, bool allowWide = true)
    {
        CheckSplit16(planes.Length - (2 * planeStride), c, dst0.Length);
        if (dst1.Length != dst0.Length || dst2.Length != dst0.Length)
        {
            throw new ArgumentException("The three plane rows must have the same width.", nameof(dst1));
        }
        fixed (byte* r = planes)
        fixed (byte* d0 = dst0)
        fixed (byte* d1 = dst1)
        fixed (byte* d2 = dst2)
        {
            Split16Rows(r, planeStride, 3, c, d0, d1, d2, dst0.Length, allowWide);
        }
    }

    private static void CheckSplit16(int lastRowLength, ResampleCoefficients c, int width)
    {
        if (lastRowLength < c.InSize + RowResizer.RowPadding)
        {
            throw new ArgumentException($"The row needs {RowResizer.RowPadding} bytes of padding.", nameof(lastRowLength));
        }
        if (width > c.OutSize)
        {
            throw new ArgumentException("More output pixels than coefficients.", nameof(width));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Split16Rows(byte* r0, int planeStride, int planeCount, ResampleCoefficients c, byte* d0, byte* d1, byte* d2, int width, bool allowWide)
    {
        int stride = c.Stride16;
        bool wide = allowWide && Avx512BW.IsSupported && stride >= 32;
        fixed (short* k0 = c.Split16)
        fixed (int* start = c.Start)
        fixed (int* count = c.Count)
        {
            int xx = 0;
            for (; xx <= width - 8; xx += 8)
            {
                Split16Batch8(r0, start, count, k0, stride, xx, wide, d0 + xx);
                if (planeCount == 3)
                {
                    Split16Batch8(r0 + planeStride, start, count, k0, stride, xx, wide, d1 + xx);
                    Split16Batch8(r0 + (2 * planeStride), start, count, k0, stride, xx, wide, d2 + xx);
                }
            }
            for (; xx < width; xx++)
            {
                for (int p = 0; p < planeCount; p++)
                {
                    byte* r = r0 + (p * planeStride);
                    byte* d = p == 0 ? d0 : p == 1 ? d1 : d2;
                    d[xx] = Clip8(Half + Vector256.Sum(Window(r, start, count, k0, stride, xx, wide)));
                }
            }
        }
    }

    /// <summary>Output pixels xx..xx+7 of one row: eight windows, one transposing reduction, 8 bytes stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Split16Batch8(byte* r0, int* start, int* count, short* k0, int stride, int xx, bool wide, byte* d)
    {
        Vector256<int> w0 = Window(r0, start, count, k0, stride, xx, wide);
        Vector256<int> w1 = Window(r0, start, count, k0, stride, xx + 1, wide);
        Vector256<int> w2 = Window(r0, start, count, k0, stride, xx + 2, wide);
        Vector256<int> w3 = Window(r0, start, count, k0, stride, xx + 3, wide);
        Vector256<int> w4 = Window(r0, start, count, k0, stride, xx + 4, wide);
        Vector256<int> w5 = Window(r0, start, count, k0, stride, xx + 5, wide);
        Vector256<int> w6 = Window(r0, start, count, k0, stride, xx + 6, wide);
        Vector256<int> w7 = Window(r0, start, count, k0, stride, xx + 7, wide);
        // Transposing reduction: lane j of the result is the sum of the 8 lanes of w_j.
        Vector256<int> u0 = Avx2.HorizontalAdd(Avx2.HorizontalAdd(w0, w1), Avx2.HorizontalAdd(w2, w3));
        Vector256<int> u1 = Avx2.HorizontalAdd(Avx2.HorizontalAdd(w4, w5), Avx2.HorizontalAdd(w6, w7));
        Vector256<int> sums = Avx2.Add(Avx2.Permute2x128(u0, u1, 0x20), Avx2.Permute2x128(u0, u1, 0x31));
        Vector256<int> v = Avx2.ShiftRightArithmetic(Avx2.Add(sums, Vector256.Create(Half)), ResampleCoefficients.PrecisionBits);
        // Saturating packs clip to 0..255 exactly as Pillow's clip8 (values are within +-2^9 after the shift).
        Vector128<short> v16 = Sse2.PackSignedSaturate(v.GetLower(), v.GetUpper());
        Vector128<byte> v8 = Sse2.PackUnsignedSaturate(v16, v16);
        *(ulong*)d = v8.AsUInt64().ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> Window(byte* r0, int* start, int* count, short* k0, int stride, int xx, bool wide)
        => wide ? Window512(r0, start, count, k0, stride, xx) : Window256(r0, start, count, k0, stride, xx);

    /// <summary>Per-lane partial sums (hi &lt;&lt; 12 + lo) of output pixel <paramref name="xx"/>'s window, 16 taps a step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> Window256(byte* r0, int* start, int* count, short* k0, int stride, int xx)
    {
        byte* r = r0 + start[xx];
        short* lo = k0 + (xx * stride * 2);
        short* hi = lo + stride;
        int n = count[xx];
        Vector256<short> px = Avx2.ConvertToVector256Int16(r);
        Vector256<int> accLo = Avx2.MultiplyAddAdjacent(px, Avx.LoadVector256(lo));
        Vector256<int> accHi = Avx2.MultiplyAddAdjacent(px, Avx.LoadVector256(hi));
        for (int i = 16; i < n; i += 16)
        {
            px = Avx2.ConvertToVector256Int16(r + i);
            accLo = Avx2.Add(accLo, Avx2.MultiplyAddAdjacent(px, Avx.LoadVector256(lo + i)));
            accHi = Avx2.Add(accHi, Avx2.MultiplyAddAdjacent(px, Avx.LoadVector256(hi + i)));
        }
        return Avx2.Add(accLo, Avx2.ShiftLeftLogical(accHi, ResampleCoefficients.SplitBits));
    }

    /// <summary>As <see cref="Window256"/>, 32 taps a step (AVX-512BW; the stride is a multiple of 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> Window512(byte* r0, int* start, int* count, short* k0, int stride, int xx)
    {
        byte* r = r0 + start[xx];
        short* lo = k0 + (xx * stride * 2);
        short* hi = lo + stride;
        int n = count[xx];
        Vector512<short> px = Avx512BW.ConvertToVector512Int16(Avx.LoadVector256(r));
        Vector512<int> accLo = Avx512BW.MultiplyAddAdjacent(px, Vector512.Load(lo));
        Vector512<int> accHi = Avx512BW.MultiplyAddAdjacent(px, Vector512.Load(hi));
        for (int i = 32; i < n; i += 32)
        {
            px = Avx512BW.ConvertToVector512Int16(Avx.LoadVector256(r + i));
            accLo = Avx512F.Add(accLo, Avx512BW.MultiplyAddAdjacent(px, Vector512.Load(lo + i)));
            accHi = Avx512F.Add(accHi, Avx512BW.MultiplyAddAdjacent(px, Vector512.Load(hi + i)));
        }
        Vector512<int> acc = Avx512F.Add(accLo, Avx512F.ShiftLeftLogical(accHi, ResampleCoefficients.SplitBits));
        return Avx2.Add(acc.GetLower(), acc.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Vertical(PixelImage temp, int yFirst, ResampleCoefficients c, PixelImage result, int ch)
        => Vertical(temp, 0, yFirst, c, result, ch);

    /// <summary>The vertical pass from the rows of <paramref name="temp"/> that start at row <paramref name="tempFirstRow"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Vertical(PixelImage temp, int tempFirstRow, int yFirst, ResampleCoefficients c, PixelImage result, int ch)
    {
        int n = result.Width * ch;
        if (Avx2.IsSupported && n >= 32)
        {
            VerticalBlocked(temp, tempFirstRow, yFirst, c, result, n);
            return;
        }
        int[] acc = ArrayPool<int>.Shared.Rent(n + 8);
        try
        {
            byte[] tb = temp.Buffer;
            for (int yy = 0; yy < result.Height; yy++)
            {
                Span<int> a = acc.AsSpan(0, n);
                a.Fill(Half);
                int start = c.Start[yy] - yFirst + tempFirstRow;
                int count = c.Count[yy];
                for (int t = 0; t < count; t++)
                {
                    int k = c.Fixed1[(yy * c.Stride1) + t];
                    ReadOnlySpan<byte> src = tb.AsSpan((start + t) * n, n);
                    MultiplyAdd(src, k, a);
                }
                Span<byte> dst = result.Row(yy);
                for (int i = 0; i < n; i++)
                {
                    dst[i] = Clip8(a[i]);
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(acc);
        }
    }

    /// <summary>
    /// <see cref="Vertical(PixelImage, int, int, ResampleCoefficients, PixelImage, int)"/> 32 bytes of a row at a time,
    /// with the sums kept in registers across the taps (instead of read and written back at every tap), then rounded,
    /// clipped (saturating packs, as Pillow's clip8) and stored. Same integer sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void VerticalBlocked(PixelImage temp, int tempFirstRow, int yFirst, ResampleCoefficients c, PixelImage result, int n)
    {
        var half = Vector256.Create(Half);
        // packs work within 128-bit lanes; this puts the 8 dwords of packed bytes back in order.
        var order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
        fixed (byte* tb = temp.Buffer)
        fixed (byte* rb = result.Buffer)
        fixed (int* k0 = c.Fixed1)
        {
            for (int yy = 0; yy < result.Height; yy++)
            {
                byte* first = tb + ((long)(c.Start[yy] - yFirst + tempFirstRow) * n);
                int* k = k0 + (yy * c.Stride1);
                int count = c.Count[yy];
                byte* dst = rb + ((long)yy * n);
                // The last block may overlap the one before it (n >= 32): it recomputes the same bytes.
                for (int x = 0; x < n; x += 32)
                {
                    int at = Math.Min(x, n - 32);
                    Vector256<int> a0 = half, a1 = half, a2 = half, a3 = half;
                    byte* src = first + at;
                    for (int t = 0; t < count; t++, src += n)
                    {
                        var kv = Vector256.Create(k[t]);
                        a0 = Avx2.Add(a0, Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(src), kv));
                        a1 = Avx2.Add(a1, Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(src + 8), kv));
                        a2 = Avx2.Add(a2, Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(src + 16), kv));
                        a3 = Avx2.Add(a3, Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(src + 24), kv));
                    }
                    Vector256<short> p01 = Avx2.PackSignedSaturate(
                        Avx2.ShiftRightArithmetic(a0, ResampleCoefficients.PrecisionBits), Avx2.ShiftRightArithmetic(a1, ResampleCoefficients.PrecisionBits));
                    Vector256<short> p23 = Avx2.PackSignedSaturate(
                        Avx2.ShiftRightArithmetic(a2, ResampleCoefficients.PrecisionBits), Avx2.ShiftRightArithmetic(a3, ResampleCoefficients.PrecisionBits));
                    Vector256<byte> bytes = Avx2.PackUnsignedSaturate(p01, p23);
                    Avx.Store(dst + at, Avx2.PermuteVar8x32(bytes.AsInt32(), order).AsByte());
                }
            }
        }
    }

    /// <summary>acc[i] += src[i] * k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MultiplyAdd(ReadOnlySpan<byte> src, int k, Span<int> acc)
    {
        int i = 0;
        if (Avx2.IsSupported && src.Length >= 8)
        {
            var kv = Vector256.Create(k);
            fixed (byte* s = src)
            fixed (int* a = acc)
            {
                for (; i <= src.Length - 8; i += 8)
                {
                    var v = Avx2.ConvertToVector256Int32(s + i);
                    Avx.Store(a + i, Avx2.Add(Avx.LoadVector256(a + i), Avx2.MultiplyLow(v, kv)));
                }
            }
        }
        for (; i < src.Length; i++)
        {
            acc[i] += src[i] * k;
        }
    }

    /// <summary>Reads row <paramref name="y"/> of the view as integer channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void LoadRow(in ImageView v, ChannelRead read, int y, Span<int> dst)
    {
        byte[] b = v.Image.Buffer;
        long p = v.Origin + ((long)y * v.Dy);
        int w = v.Width;
        int dx = v.Dx;
        switch (read)
        {
            case ChannelRead.Gray:
                if (dx == 1)
                {
                    WidenBytes(b.AsSpan(checked((int)p), w), dst);
                }
                else
                {
                    for (int x = 0; x < w; x++, p += dx)
                    {
                        dst[x] = b[p];
                    }
                }
                break;
            case ChannelRead.Luma:
                if (dx == 1)
                {
                    LumaRow(b.AsSpan(checked((int)(p * 4)), w * 4), dst);
                }
                else
                {
                    for (int x = 0; x < w; x++, p += dx)
                    {
                        long q = p * 4;
                        dst[x] = ColorConvert.Luma(b[q], b[q + 1], b[q + 2]);
                    }
                }
                break;
            case ChannelRead.ClipToByte:
                for (int x = 0; x < w; x++, p += dx)
                {
                    dst[x] = Math.Clamp(BitConverter.ToInt32(b, checked((int)(p * 4))), 0, 255);
                }
                break;
            case ChannelRead.Rgba:
                if (dx == 1)
                {
                    WidenBytes(b.AsSpan(checked((int)(p * 4)), w * 4), dst);
                }
                else
                {
                    for (int x = 0; x < w; x++, p += dx)
                    {
                        long q = p * 4;
                        int o = x * 4;
                        dst[o] = b[q];
                        dst[o + 1] = b[q + 1];
                        dst[o + 2] = b[q + 2];
                        dst[o + 3] = b[q + 3];
                    }
                }
                break;
            case ChannelRead.RgbaPremultiplied:
                for (int x = 0; x < w; x++, p += dx)
                {
                    long q = p * 4;
                    int o = x * 4;
                    int a = b[q + 3];
                    dst[o] = ColorConvert.MulDiv255(b[q], a);
                    dst[o + 1] = ColorConvert.MulDiv255(b[q + 1], a);
                    dst[o + 2] = ColorConvert.MulDiv255(b[q + 2], a);
                    dst[o + 3] = a;
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(read));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LoadRowInt32(in ImageView v, int y, Span<int> dst)
    {
        byte[] b = v.Image.Buffer;
        long p = v.Origin + ((long)y * v.Dy);
        for (int x = 0; x < v.Width; x++, p += v.Dx)
        {
            dst[x] = BitConverter.ToInt32(b, checked((int)(p * 4)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WidenBytes(ReadOnlySpan<byte> src, Span<int> dst)
    {
        int i = 0;
        if (Avx2.IsSupported && src.Length >= 8)
        {
            fixed (byte* s = src)
            fixed (int* d = dst)
            {
                for (; i <= src.Length - 8; i += 8)
                {
                    Avx.Store(d + i, Avx2.ConvertToVector256Int32(s + i));
                }
            }
        }
        for (; i < src.Length; i++)
        {
            dst[i] = src[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LumaRow(ReadOnlySpan<byte> rgba, Span<int> dst)
    {
        int n = Math.Min(dst.Length, rgba.Length / 4);
        int x = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            ref int src = ref Unsafe.As<byte, int>(ref MemoryMarshal.GetReference(rgba));
            ref int d = ref MemoryMarshal.GetReference(dst);
            var mask = Vector256.Create(0xFF);
            var kr = Vector256.Create(19595);
            var kg = Vector256.Create(38470);
            var kb = Vector256.Create(7471);
            var half = Vector256.Create(0x8000);
            for (; x <= n - 8; x += 8)
            {
                // Little-endian RGBA: R in the low byte of each 32-bit pixel.
                var px = Vector256.LoadUnsafe(ref src, (nuint)x);
                var r = px & mask;
                var g = Vector256.ShiftRightLogical(px, 8) & mask;
                var b = Vector256.ShiftRightLogical(px, 16) & mask;
                var l = Vector256.ShiftRightLogical((r * kr) + (g * kg) + (b * kb) + half, 16);
                l.StoreUnsafe(ref d, (nuint)x);
            }
        }
        for (int q = x * 4; x < n; x++, q += 4)
        {
            dst[x] = ColorConvert.Luma(rgba[q], rgba[q + 1], rgba[q + 2]);
        }
    }

    /// <summary>
    /// Pillow's NEAREST resize (ImagingScaleAffine): source coordinates accumulate the scale step in double,
    /// starting from half a step, and truncate.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static PixelImage Nearest(in ImageView src, ChannelRead read, int width, int height, PixelLayout layout, PillowMode mode)
    {
        int ch = ImageView.Channels(read);
        var result = new PixelImage(width, height, layout, mode);
        double a0 = (double)(float)src.Width / width;
        double a4 = (double)(float)src.Height / height;
        var xin = new int[width];
        double xo = a0 * 0.5;
        for (int x = 0; x < width; x++)
        {
            xin[x] = xo < 0.0 ? -1 : (int)xo;
            xo += a0;
        }
        int[] row = ArrayPool<int>.Shared.Rent((src.Width * ch) + 16);
        try
        {
            double yo = a4 * 0.5;
            int loaded = -1;
            for (int y = 0; y < height; y++)
            {
                int yi = yo < 0.0 ? -1 : (int)yo;
                yo += a4;
                Span<byte> dst = result.Row(y);
                if (yi < 0 || yi >= src.Height)
                {
                    dst.Clear();
                    continue;
                }
                if (yi != loaded)
                {
                    LoadRow(src, read, yi, row);
                    loaded = yi;
                }
                for (int x = 0; x < width; x++)
                {
                    int sx = xin[x];
                    for (int c = 0; c < ch; c++)
                    {
                        dst[(x * ch) + c] = sx >= 0 && sx < src.Width ? (byte)row[(sx * ch) + c] : (byte)0;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(row);
        }
        return result;
    }
}
