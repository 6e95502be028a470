// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Runtime.CompilerServices;
using System.Collections.Concurrent;

namespace HashIndexer.Engine.Imaging;

/// <summary>Pillow's resampling filters (Resample.c).</summary>
internal enum ResampleFilter
{
    Nearest,
    Bicubic,
    Lanczos,
}

/// <summary>
/// The filter weights of one resampling direction, computed exactly as Pillow 9.4's <c>precompute_coeffs</c>
/// and <c>normalize_coeffs_8bpc</c> do (double weights normalised to sum 1, then rounded to fixed point with
/// <see cref="PrecisionBits"/> fractional bits). Cached: the same sizes repeat for every photo of a camera.
/// </summary>
internal sealed class ResampleCoefficients
{
    /// <summary>Pillow: PRECISION_BITS = 32 - 8 - 2.</summary>
    public const int PrecisionBits = 32 - 8 - 2;

    private const int MaxCached = 512;
    private static readonly ConcurrentDictionary<(int In, int Out, ResampleFilter Filter), ResampleCoefficients> s_cache = new();

    private int[]? _fixed4;
    private short[]? _split16;
    private int _mirrorSymmetric; // 0 not known yet, 1 yes, 2 no (an int: read and written whole by any thread)

    private ResampleCoefficients(int inSize, int outSize, int ksize, int[] start, int[] count, double[] weights)
    {
        InSize = inSize;
        OutSize = outSize;
        KSize = ksize;
        Start = start;
        Count = count;
        Weights = weights;
        // One channel: the fixed-point weights of each output, padded with zeros to a multiple of 8 (one Vector256).
        Stride1 = RoundUp8(ksize);
        Fixed1 = new int[outSize * Stride1];
        for (int o = 0; o < outSize; o++)
        {
            for (int i = 0; i < count[o]; i++)
            {
                Fixed1[(o * Stride1) + i] = ToFixed(weights[(o * ksize) + i]);
            }
        }
    }

    public int InSize { get; }

    public int OutSize { get; }

    /// <summary>Pillow's ksize: the most weights any output pixel has.</summary>
    public int KSize { get; }

    /// <summary>First input pixel of each output pixel (Pillow's bounds[2x]).</summary>
    public int[] Start { get; }

    /// <summary>Number of input pixels of each output pixel (Pillow's bounds[2x+1]).</summary>
    public int[] Count { get; }

    /// <summary>Normalised double weights, <see cref="KSize"/> per output pixel (used as such for 32-bit images).</summary>
    public double[] Weights { get; }

    public int Stride1 { get; }

    /// <summary>Fixed-point weights, <see cref="Stride1"/> per output pixel, zero padded.</summary>
    public int[] Fixed1 { get; }

    public int Stride4 => RoundUp8(KSize * 4);

    /// <summary>Fixed-point weights with each weight repeated for the 4 channels, <see cref="Stride4"/> per output pixel.</summary>
    public int[] Fixed4
    {
        get
        {
            int[]? f = Volatile.Read(ref _fixed4);
            if (f is null)
            {
                int stride = Stride4;
                f = new int[OutSize * stride];
                for (int o = 0; o < OutSize; o++)
                {
                    for (int i = 0; i < Count[o]; i++)
                    {
                        int k = Fixed1[(o * Stride1) + i];
                        int b = (o * stride) + (i * 4);
                        f[b] = k;
                        f[b + 1] = k;
                        f[b + 2] = k;
                        f[b + 3] = k;
                    }
                }
                Volatile.Write(ref _fixed4, f);
            }
            return f;
        }
    }

    /// <summary>
    /// Taps per output pixel in <see cref="Split16"/>: <see cref="KSize"/> rounded up to 16 when it is at most 16,
    /// else to 32, so that a window is read in whole 256-bit (16 taps) or 512-bit (32 taps) steps.
    /// </summary>
    public int Stride16 => KSize <= 16 ? 16 : (KSize + 31) & ~31;

    /// <summary>Bits in the low part of a split weight.</summary>
    public const int SplitBits = 12;

    /// <summary>
    /// Each fixed-point weight w split as w = hi * 2^12 + lo with 0 &lt;= lo &lt; 2^12 (both 16-bit), for a
    /// 16-bit multiply-add: per output pixel <see cref="Stride16"/> lo values, then <see cref="Stride16"/> hi values,
    /// zero padded. sum(p * w) = (sum(p * hi) &lt;&lt; 12) + sum(p * lo) exactly (as 32-bit integers).
    /// </summary>
    public short[] Split16
    {
        get
        {
            short[]? f = Volatile.Read(ref _split16);
            if (f is null)
            {
                int stride = Stride16;
                f = new short[OutSize * stride * 2];
                for (int o = 0; o < OutSize; o++)
                {
                    for (int i = 0; i < Count[o]; i++)
                    {
                        int k = Fixed1[(o * Stride1) + i];
                        f[(o * stride * 2) + i] = (short)(k & ((1 << SplitBits) - 1));
                        f[(o * stride * 2) + stride + i] = checked((short)(k >> SplitBits));
                    }
                }
                Volatile.Write(ref _split16, f);
            }
            return f;
        }
    }

    /// <summary>
    /// True when output pixel o's window and fixed-point weights are those of output pixel (OutSize - 1 - o) read
    /// backwards. Then resizing a mirrored image gives, exactly, the mirror of the resized image: every output is the
    /// same integer sum of the same products. Usually the windows and weights do mirror each other, but Pillow
    /// truncates the window bounds and normalises each window by its floating-point sum (taken in the other order
    /// for the mirrored window), so this is checked, never assumed.
    /// </summary>
    public bool IsMirrorSymmetric
    {
        get
        {
            int known = Volatile.Read(ref _mirrorSymmetric);
            if (known == 0)
            {
                bool symmetric = true;
                for (int o = 0; o < OutSize && symmetric; o++)
                {
                    int m = OutSize - 1 - o;
                    int n = Count[o];
                    symmetric = Count[m] == n && Start[m] == InSize - (Start[o] + n);
                    for (int i = 0; i < n && symmetric; i++)
                    {
                        symmetric = Fixed1[(o * Stride1) + i] == Fixed1[(m * Stride1) + n - 1 - i];
                    }
                }
                known = symmetric ? 1 : 2;
                Volatile.Write(ref _mirrorSymmetric, known);
            }
            return known == 1;
        }
    }

    public static ResampleCoefficients Get(int inSize, int outSize, ResampleFilter filter)
    {
        if (s_cache.TryGetValue((inSize, outSize, filter), out ResampleCoefficients? c))
        {
            return c;
        }
        c = Compute(inSize, outSize, filter);
        if (s_cache.Count >= MaxCached)
        {
            s_cache.Clear();
        }
        s_cache.TryAdd((inSize, outSize, filter), c);
        return c;
    }

    private static int RoundUp8(int n) => (n + 7) & ~7;

    private static int ToFixed(double w)
        => w < 0 ? (int)(-0.5 + (w * (1 << PrecisionBits))) : (int)(0.5 + (w * (1 << PrecisionBits)));

    private static double Support(ResampleFilter filter) => filter switch
    {
        ResampleFilter.Bicubic => 2.0,
        ResampleFilter.Lanczos => 3.0,
        _ => throw new ArgumentOutOfRangeException(nameof(filter)),
    };

    private static double Evaluate(ResampleFilter filter, double x) => filter switch
    {
        ResampleFilter.Bicubic => Bicubic(x),
        _ => Lanczos(x),
    };

    private static double Bicubic(double x)
    {
        const double a = -0.5;
        if (x < 0.0)
        {
            x = -x;
        }
        if (x < 1.0)
        {
            return ((((a + 2.0) * x) - (a + 3.0)) * x * x) + 1;
        }
        if (x < 2.0)
        {
            return ((((((x - 5) * x) + 8) * x) - 4) * a);
        }
        return 0.0;
    }

    private static double Sinc(double x)
    {
        if (x == 0.0)
        {
            return 1.0;
        }
        x *= Math.PI;
        return Math.Sin(x) / x;
    }

    private static double Lanczos(double x)
    {
        if (-3.0 <= x && x < 3.0)
        {
            return Sinc(x) * Sinc(x / 3);
        }
        return 0.0;
    }

    /// <summary>Coefficients for a source box [in0, in1) (Pillow's resize(box=...); box values are C floats). Not cached.</summary>
    public static ResampleCoefficients ForBox(int inSize, float in0, float in1, int outSize, ResampleFilter filter)
        => Compute(inSize, outSize, filter, in0, in1);

    /// <summary>Pillow 9.4 precompute_coeffs; the box (in0, in1) defaults to (0, inSize).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ResampleCoefficients Compute(int inSize, int outSize, ResampleFilter filter, float in0 = 0f, float? in1Arg = null)
    {
        float in1 = in1Arg ?? inSize;
        double scale = (double)(in1 - in0) / outSize;
        double filterscale = scale < 1.0 ? 1.0 : scale;
        double support = Support(filter) * filterscale;
        int ksize = ((int)Math.Ceiling(support) * 2) + 1;
        var start = new int[outSize];
        var count = new int[outSize];
        var kk = new double[outSize * ksize];
        double ss = 1.0 / filterscale;
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = in0 + ((xx + 0.5) * scale);
            double ww = 0.0;
            int xmin = (int)(center - support + 0.5);
            if (xmin < 0)
            {
                xmin = 0;
            }
            int xmax = (int)(center + support + 0.5);
            if (xmax > inSize)
            {
                xmax = inSize;
            }
            xmax -= xmin;
            int b = xx * ksize;
            for (int x = 0; x < xmax; x++)
            {
                double w = Evaluate(filter, (x + xmin - center + 0.5) * ss);
                kk[b + x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++)
            {
                if (ww != 0.0)
                {
                    kk[b + x] /= ww;
                }
            }
            start[xx] = xmin;
            count[xx] = xmax;
        }
        return new ResampleCoefficients(inSize, outSize, ksize, start, count, kk);
    }
}
