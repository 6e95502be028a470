// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Runtime.CompilerServices;
using System.Buffers;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HashIndexer.Engine.Imaging;

/// <summary>
/// One <see cref="Resampler.Resize(in ImageView, ChannelRead, int, int, ResampleFilter, PillowMode)"/> fed with the
/// source rows one at a time, top to bottom, as a streaming decoder produces them: the horizontal pass runs on
/// each row while it is in cache and only the horizontally resampled rows (width x source rows) are kept; the
/// vertical pass runs in <see cref="Finish"/>. The integer sums are the same as Resize's, so the result is
/// byte-identical to resizing the full decoded image.
/// </summary>
/// <remarks>
/// Rows are bytes with 1 channel (Gray, or Luma already converted to L) or RGBA (Rgba read). An RGBA source is
/// resized as three planes R, G, B (alpha, which the caller's conversion to L ignores, is not computed): Pillow's
/// resample treats the channels independently, so each plane's bytes are those of the RGB resize, and
/// <see cref="Finish"/> returns their L (Pillow's resize then convert('L')).
/// </remarks>
internal sealed class RowResizer : IDisposable
{
    /// <summary>Bytes that must be readable after the end of each row passed to <see cref="AddRow"/> (the 16-bit kernel reads up to 31 past a window).</summary>
    public const int RowPadding = 32;

    private readonly ResampleCoefficients? _hor;
    private readonly ResampleCoefficients? _vert;
    private readonly int _planes;
    private readonly int _sourceWidth;
    private readonly bool _split16;
    private readonly int _rows;
    private PixelImage? _temp;
    private PixelImage?[] _results;
    private byte[]? _planeRows;
    private int[]? _scratch;

    /// <param name="sourceRead">How the decoded row is read: Gray (1-channel rows as is), Luma (RGBA rows converted to L by the caller) or Rgba.</param>
    public RowResizer(int sourceWidth, int sourceHeight, ChannelRead sourceRead, int width, int height, ResampleFilter filter)
    {
        if (filter == ResampleFilter.Nearest || sourceRead is not (ChannelRead.Gray or ChannelRead.Luma or ChannelRead.Rgba))
        {
            throw new ArgumentException("RowResizer does Gray, Luma and Rgba reads with BICUBIC or LANCZOS only.");
        }
        Read = sourceRead;
        _sourceWidth = sourceWidth;
        _planes = sourceRead == ChannelRead.Rgba ? 3 : 1;
        Width = width;
        Height = height;
        bool needH = width != sourceWidth;
        bool needV = height != sourceHeight;
        _hor = needH ? ResampleCoefficients.Get(sourceWidth, width, filter) : null;
        _vert = needV ? ResampleCoefficients.Get(sourceHeight, height, filter) : null;
        FirstRow = needV ? _vert!.Start[0] : 0;
        EndRow = needV ? _vert!.Start[height - 1] + _vert.Count[height - 1] : sourceHeight;
        _split16 = _hor is not null && Avx2.IsSupported;
        _rows = EndRow - FirstRow;
        _results = new PixelImage?[_planes];
        try
        {
            for (int p = 0; p < _planes; p++)
            {
                _results[p] = new PixelImage(width, height, PixelLayout.Gray8, PillowMode.L);
            }
            // The horizontally resampled rows of every plane in one buffer (one pooled rent, plane after plane).
            _temp = needV ? new PixelImage(width, _rows * _planes, PixelLayout.Gray8, PillowMode.L) : null;
            if (_planes == 3)
            {
                _planeRows = ArrayPool<byte>.Shared.Rent(3 * (sourceWidth + RowPadding + 16));
                _planeRows.AsSpan().Clear();
            }
            if (_hor is not null && !_split16)
            {
                _scratch = ArrayPool<int>.Shared.Rent(sourceWidth + 16);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public ChannelRead Read { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>First source row the result depends on.</summary>
    public int FirstRow { get; }

    /// <summary>One past the last source row the result depends on.</summary>
    public int EndRow { get; }

    public bool Wants(int y) => y >= FirstRow && y < EndRow;

    /// <summary>
    /// Source row <paramref name="y"/> (only rows for which <see cref="Wants"/> is true): 1 byte a pixel (Gray, Luma)
    /// or 4 (Rgba), followed by <see cref="RowPadding"/> readable bytes (any values).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddRow(int y, ReadOnlySpan<byte> rowWithPadding)
    {
        ObjectDisposedException.ThrowIf(_results[0] is null, this);
        int w = _sourceWidth;
        if (_planes == 1)
        {
            HorizontalPlane(rowWithPadding, TempRow(0, y));
            return;
        }
        int planeStride = w + RowPadding + 16;
        Span<byte> planes = _planeRows.AsSpan(0, 3 * planeStride);
        Deinterleave(rowWithPadding[..(w * 4)], planes[..w], planes.Slice(planeStride, w), planes.Slice(2 * planeStride, w));
        if (_split16)
        {
            Resampler.HorizontalSplit16Planes(planes[..((2 * planeStride) + w + RowPadding)], planeStride, _hor!, TempRow(0, y), TempRow(1, y), TempRow(2, y));
            return;
        }
        for (int p = 0; p < 3; p++)
        {
            HorizontalPlane(planes.Slice(p * planeStride, w + RowPadding), TempRow(p, y));
        }
    }

    /// <summary>Where the horizontal pass of source row <paramref name="y"/> of plane <paramref name="plane"/> goes.</summary>
    private Span<byte> TempRow(int plane, int y)
        => _temp is null ? _results[plane]!.Row(y) : _temp.Row((plane * _rows) + y - FirstRow);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void HorizontalPlane(ReadOnlySpan<byte> rowWithPadding, Span<byte> dst)
    {
        if (_split16)
        {
            Resampler.HorizontalSplit16(rowWithPadding, _hor!, dst);
        }
        else
        {
            Resampler.HorizontalRow(rowWithPadding[.._sourceWidth], _hor, dst, 1, _scratch ?? []);
        }
    }

    /// <summary>RGBA pixels to R, G and B planes (alpha dropped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Deinterleave(ReadOnlySpan<byte> rgba, Span<byte> r, Span<byte> g, Span<byte> b)
    {
        int n = r.Length;
        int x = 0;
        fixed (byte* s = rgba)
        fixed (byte* pr = r)
        fixed (byte* pg = g)
        fixed (byte* pb = b)
        {
            if (Avx2.IsSupported && n >= 8)
            {
                // Per 128-bit lane: R0R1R2R3 G0G1G2G3 B0B1B2B3 A0A1A2A3; then the dwords ordered R R G G B B A A across lanes.
                Vector256<byte> shuffle = Vector256.Create((byte)0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
                Vector256<int> permute = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
                for (; x <= n - 8; x += 8)
                {
                    Vector256<byte> v = Avx2.Shuffle(Avx.LoadVector256(s + (x * 4)), shuffle);
                    Vector256<ulong> q = Avx2.PermuteVar8x32(v.AsInt32(), permute).AsUInt64();
                    *(ulong*)(pr + x) = q.GetElement(0);
                    *(ulong*)(pg + x) = q.GetElement(1);
                    *(ulong*)(pb + x) = q.GetElement(2);
                }
            }
            for (; x < n; x++)
            {
                pr[x] = s[x * 4];
                pg[x] = s[(x * 4) + 1];
                pb[x] = s[(x * 4) + 2];
            }
        }
    }

    /// <summary>
    /// The resized image (owned by the caller) once every wanted row has been added: mode L; for an Rgba read, the L
    /// (Pillow's convert('L')) of the resized RGB.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public PixelImage Finish()
    {
        ObjectDisposedException.ThrowIf(_results[0] is null, this);
        if (_temp is not null)
        {
            for (int p = 0; p < _planes; p++)
            {
                Resampler.Vertical(_temp, p * _rows, FirstRow, _vert!, _results[p]!, 1);
            }
            _temp.Dispose();
            _temp = null;
        }
        PixelImage result = _results[0]!;
        _results[0] = null;
        if (_planes == 3)
        {
            Span<byte> l = result.Bytes;
            ReadOnlySpan<byte> g = _results[1]!.Bytes, b = _results[2]!.Bytes;
            for (int i = 0; i < l.Length; i++)
            {
                l[i] = (byte)ColorConvert.Luma(l[i], g[i], b[i]);
            }
        }
        Dispose();
        return result;
    }

    public void Dispose()
    {
        _temp?.Dispose();
        _temp = null;
        for (int p = 0; p < _planes; p++)
        {
            _results[p]?.Dispose();
            _results[p] = null;
        }
        if (_planeRows is not null)
        {
            ArrayPool<byte>.Shared.Return(_planeRows);
            _planeRows = null;
        }
        if (_scratch is not null)
        {
            ArrayPool<int>.Shared.Return(_scratch);
            _scratch = null;
        }
    }
}
