// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Buffers;

namespace HashIndexer.Engine.Imaging;

/// <summary>
/// One <see cref="Resampler.Resize(in ImageView, ChannelRead, int, int, ResampleFilter, PillowMode)"/> fed with the
/// source rows one at a time, top to bottom, as a streaming decoder produces them: the horizontal pass runs on
/// each row while it is in cache and only the horizontally resampled rows (width x source rows) are kept; the
/// vertical pass runs in <see cref="Finish"/>. The integer sums are the same as Resize's, so the result is
/// byte-identical to resizing the full decoded image. Rows are bytes with 1 channel (Gray, or Luma already
/// converted to L) or 4 channels (Rgba).
/// </summary>
internal sealed class RowResizer : IDisposable
{
    private readonly ResampleCoefficients? _hor;
    private readonly ResampleCoefficients? _vert;
    private readonly int _channels;
    private int[] _scratch;
    private PixelImage? _temp;
    private PixelImage? _result;

    /// <param name="sourceRead">How the decoded row is read: Gray (1-channel rows as is), Luma (RGBA rows converted to L first) or Rgba.</param>
    public RowResizer(int sourceWidth, int sourceHeight, ChannelRead sourceRead, int width, int height, ResampleFilter filter, PillowMode resultMode)
    {
        if (filter == ResampleFilter.Nearest || sourceRead is not (ChannelRead.Gray or ChannelRead.Luma or ChannelRead.Rgba))
        {
            throw new ArgumentException("RowResizer does Gray, Luma and Rgba reads with BICUBIC or LANCZOS only.");
        }
        Read = sourceRead;
        _channels = ImageView.Channels(sourceRead);
        Width = width;
        Height = height;
        bool needH = width != sourceWidth;
        bool needV = height != sourceHeight;
        _hor = needH ? ResampleCoefficients.Get(sourceWidth, width, filter) : null;
        _vert = needV ? ResampleCoefficients.Get(sourceHeight, height, filter) : null;
        FirstRow = needV ? _vert!.Start[0] : 0;
        EndRow = needV ? _vert!.Start[height - 1] + _vert.Count[height - 1] : sourceHeight;
        PixelLayout layout = _channels == 1 ? PixelLayout.Gray8 : PixelLayout.Rgba32;
        _result = new PixelImage(width, height, layout, resultMode);
        _temp = needV ? new PixelImage(width, EndRow - FirstRow, layout, resultMode) : _result;
        _scratch = _hor is null || System.Runtime.Intrinsics.X86.Avx2.IsSupported ? [] : ArrayPool<int>.Shared.Rent((sourceWidth * _channels) + 16);
    }

    public ChannelRead Read { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>First source row the result depends on.</summary>
    public int FirstRow { get; }

    /// <summary>One past the last source row the result depends on.</summary>
    public int EndRow { get; }

    public bool Wants(int y) => y >= FirstRow && y < EndRow;

    /// <summary>Source row <paramref name="y"/> (only rows for which <see cref="Wants"/> is true), in the channels of <see cref="Read"/> (L bytes for Luma).</summary>
    public void AddRow(int y, ReadOnlySpan<byte> row)
    {
        PixelImage temp = _temp ?? throw new ObjectDisposedException(nameof(RowResizer));
        Resampler.HorizontalRow(row, _hor, temp.Row(y - FirstRow), _channels, _scratch);
    }

    /// <summary>The resized image (owned by the caller) once every wanted row has been added.</summary>
    public PixelImage Finish()
    {
        PixelImage result = _result ?? throw new ObjectDisposedException(nameof(RowResizer));
        if (_vert is not null)
        {
            Resampler.Vertical(_temp!, FirstRow, _vert, result, _channels);
            _temp!.Dispose();
        }
        _temp = null;
        _result = null;
        return result;
    }

    public void Dispose()
    {
        if (_temp is not null && !ReferenceEquals(_temp, _result))
        {
            _temp.Dispose();
        }
        _result?.Dispose();
        _temp = null;
        _result = null;
        if (_scratch.Length > 0)
        {
            ArrayPool<int>.Shared.Return(_scratch);
            _scratch = [];
        }
    }
}
