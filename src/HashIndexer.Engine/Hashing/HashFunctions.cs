// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Runtime.CompilerServices;
using HashIndexer.Engine.Imaging;

namespace HashIndexer.Engine.Hashing;

/// <summary>
/// imagehash 4.3.2's algorithms on a grayscale view, with Pillow's LANCZOS resize (see hash_reference.py):
/// phash (DCT-II as scipy.fftpack, low n x n block, bit = value &gt; numpy median), dhash, ahash, whash (Haar,
/// with the coarsest LL band removed, in PyWavelets 1.1.1's order of floating-point operations).
/// </summary>
internal static class HashFunctions
{
    private static readonly ConcurrentCosTables s_cos = new();

    public static PerceptualHash PHash(in ImageView gray, ChannelRead read, int n)
    {
        int size = 4 * n;
        using PixelImage p = Resampler.Resize(gray, read, size, size, ResampleFilter.Lanczos, PillowMode.L);
        return PHashOfResized(p.Bytes, n);
    }

    /// <summary>phash of pixels already resized to 4n x 4n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static PerceptualHash PHashOfResized(ReadOnlySpan<byte> pixels, int n)
    {
        int size = 4 * n;
        double[] cos = s_cos.Get(size, n);
        // DCT-II along axis 0 (down each column), only the first n rows are needed.
        var a = new double[n * size];
        for (int k = 0; k < n; k++)
        {
            for (int j = 0; j < size; j++)
            {
                double s = 0;
                for (int i = 0; i < size; i++)
                {
                    s += pixels[(i * size) + j] * cos[(k * size) + i];
                }
                a[(k * size) + j] = 2 * s;
            }
        }
        // Then along axis 1, first n columns.
        var low = new double[n * n];
        for (int k = 0; k < n; k++)
        {
            for (int l = 0; l < n; l++)
            {
                double s = 0;
                for (int j = 0; j < size; j++)
                {
                    s += a[(k * size) + j] * cos[(l * size) + j];
                }
                low[(k * n) + l] = 2 * s;
            }
        }
        // scipy's FFT-based DCT gives exact zeros where the input is symmetric or flat (e.g. a constant
        // image: only the DC term is non-zero); a direct sum leaves rounding noise there instead, which would
        // decide bits against the median. Snap values at the rounding-noise level to zero.
        double total = 0;
        foreach (byte b in pixels[..(size * size)])
        {
            total += b;
        }
        double eps = 1e-9 * (4 * total + 1);
        for (int i = 0; i < low.Length; i++)
        {
            if (Math.Abs(low[i]) < eps)
            {
                low[i] = 0;
            }
        }
        return AboveMedian(low);
    }

    /// <summary>The Lanczos resize size an algorithm hashes from, for a source of <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static (int Width, int Height) ResizeSize(HashAlgorithmKind alg, int n, int width, int height) => alg switch
    {
        HashAlgorithmKind.PHash => (4 * n, 4 * n),
        HashAlgorithmKind.DHash => (n + 1, n),
        HashAlgorithmKind.AHash => (n, n),
        HashAlgorithmKind.WHash => (WHashSize(n, width, height), WHashSize(n, width, height)),
        _ => throw new ArgumentOutOfRangeException(nameof(alg)),
    };

    /// <summary>The hash of pixels already resized to <see cref="ResizeSize"/>.</summary>
    public static PerceptualHash OfResized(HashAlgorithmKind alg, ReadOnlySpan<byte> px, int n, int resizedWidth) => alg switch
    {
        HashAlgorithmKind.PHash => PHashOfResized(px, n),
        HashAlgorithmKind.DHash => DHashOfResized(px, n),
        HashAlgorithmKind.AHash => AHashOfResized(px),
        HashAlgorithmKind.WHash => WHashOfResized(px, resizedWidth, n),
        _ => throw new ArgumentOutOfRangeException(nameof(alg)),
    };

    public static PerceptualHash DHash(in ImageView gray, ChannelRead read, int n)
    {
        using PixelImage p = Resampler.Resize(gray, read, n + 1, n, ResampleFilter.Lanczos, PillowMode.L);
        return DHashOfResized(p.Bytes, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static PerceptualHash DHashOfResized(ReadOnlySpan<byte> px, int n)
    {
        Span<bool> bits = stackalloc bool[n * n];
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                bits[(r * n) + c] = px[(r * (n + 1)) + c + 1] > px[(r * (n + 1)) + c];
            }
        }
        return PerceptualHash.FromBits(bits);
    }

    public static PerceptualHash AHash(in ImageView gray, ChannelRead read, int n)
    {
        using PixelImage p = Resampler.Resize(gray, read, n, n, ResampleFilter.Lanczos, PillowMode.L);
        return AHashOfResized(p.Bytes);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static PerceptualHash AHashOfResized(ReadOnlySpan<byte> px)
    {
        long sum = 0;
        foreach (byte b in px)
        {
            sum += b;
        }
        // numpy mean of integers: exact sum, one division.
        double mean = (double)sum / px.Length;
        Span<bool> bits = stackalloc bool[px.Length];
        for (int i = 0; i < px.Length; i++)
        {
            bits[i] = px[i] > mean;
        }
        return PerceptualHash.FromBits(bits);
    }

    private static int WHashSize(int n, int width, int height)
    {
        int natural = 1 << System.Numerics.BitOperations.Log2((uint)Math.Min(width, height));
        return Math.Max(natural, n);
    }

    public static PerceptualHash WHash(in ImageView gray, ChannelRead read, int n)
    {
        int s = WHashSize(n, gray.Width, gray.Height);
        using PixelImage p = Resampler.Resize(gray, read, s, s, ResampleFilter.Lanczos, PillowMode.L);
        return WHashOfResized(p.Bytes, s, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static PerceptualHash WHashOfResized(ReadOnlySpan<byte> px, int s, int n)
    {
        int top = System.Numerics.BitOperations.Log2((uint)s);
        int level = System.Numerics.BitOperations.Log2((uint)n);
        var m = new double[s * s];
        for (int i = 0; i < m.Length; i++)
        {
            m[i] = px[i] / 255.0;
        }
        // wavedec2 to the top level, LL *= 0, waverec2.
        var details = new List<(double[] Da, double[] Ad, double[] Dd, int Size)>();
        double[] ll = m;
        int size = s;
        for (int l = 0; l < top; l++)
        {
            (ll, double[] da, double[] ad, double[] dd) = Haar.Forward2D(ll, size);
            size /= 2;
            details.Add((da, ad, dd, size));
        }
        for (int i = 0; i < ll.Length; i++)
        {
            ll[i] *= 0;
        }
        for (int l = details.Count - 1; l >= 0; l--)
        {
            var d = details[l];
            ll = Haar.Inverse2D(ll, d.Da, d.Ad, d.Dd, d.Size);
        }
        // wavedec2 to level top - log2(n): keep the approximation.
        size = s;
        for (int l = 0; l < top - level; l++)
        {
            (ll, _, _, _) = Haar.Forward2D(ll, size);
            size /= 2;
        }
        return AboveMedian(ll);
    }

    /// <summary>bit = value &gt; numpy.median(values) (mean of the two middle values for an even count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static PerceptualHash AboveMedian(ReadOnlySpan<double> values)
    {
        double[] sorted = values.ToArray();
        Array.Sort(sorted);
        int c = sorted.Length;
        double med = c % 2 == 1 ? sorted[c / 2] : (sorted[(c / 2) - 1] + sorted[c / 2]) / 2;
        var bits = new bool[c];
        for (int i = 0; i < c; i++)
        {
            bits[i] = values[i] > med;
        }
        return PerceptualHash.FromBits(bits);
    }

    /// <summary>cos(pi * k * (2i + 1) / (2N)) for k &lt; n, i &lt; N.</summary>
    private sealed class ConcurrentCosTables
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<(int, int), double[]> _tables = new();

        public double[] Get(int size, int n) => _tables.GetOrAdd((size, n), key =>
        {
            var t = new double[key.Item2 * key.Item1];
            for (int k = 0; k < key.Item2; k++)
            {
                for (int i = 0; i < key.Item1; i++)
                {
                    t[(k * key.Item1) + i] = Math.Cos(Math.PI * k * ((2 * i) + 1) / (2.0 * key.Item1));
                }
            }
            return t;
        });
    }
}

/// <summary>The Haar wavelet exactly as PyWavelets 1.1.1 computes it for even lengths (mode symmetric needs no extension then).</summary>
internal static class Haar
{
    private const double C = 0.7071067811865476;

    /// <summary>dwt2: along axis 0 first, then axis 1. Returns (aa, da, ad, dd), each (size/2)^2.</summary>
    public static (double[] Aa, double[] Da, double[] Ad, double[] Dd) Forward2D(double[] x, int size)
    {
        int h = size / 2;
        // Axis 0: rows 2i and 2i+1 combine. a = c*x[2i+1] + c*x[2i]; d = -c*x[2i+1] + c*x[2i].
        var a = new double[h * size];
        var d = new double[h * size];
        for (int i = 0; i < h; i++)
        {
            for (int j = 0; j < size; j++)
            {
                double x0 = x[(2 * i * size) + j];
                double x1 = x[(((2 * i) + 1) * size) + j];
                a[(i * size) + j] = (C * x1) + (C * x0);
                d[(i * size) + j] = (-C * x1) + (C * x0);
            }
        }
        (double[] aa, double[] ad) = Axis1(a, h, size);
        (double[] da, double[] dd) = Axis1(d, h, size);
        return (aa, da, ad, dd);
    }

    private static (double[] A, double[] D) Axis1(double[] x, int rows, int cols)
    {
        int h = cols / 2;
        var a = new double[rows * h];
        var d = new double[rows * h];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < h; j++)
            {
                double x0 = x[(r * cols) + (2 * j)];
                double x1 = x[(r * cols) + (2 * j) + 1];
                a[(r * h) + j] = (C * x1) + (C * x0);
                d[(r * h) + j] = (-C * x1) + (C * x0);
            }
        }
        return (a, d);
    }

    /// <summary>idwt2 of (aa, (da, ad, dd)) with each band size x size: axis 1 first, then axis 0.</summary>
    public static double[] Inverse2D(double[] aa, double[] da, double[] ad, double[] dd, int size)
    {
        double[] a = InverseAxis1(aa, ad, size);
        double[] d = InverseAxis1(da, dd, size);
        int cols = size * 2;
        var x = new double[cols * cols];
        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                double lo = a[(i * cols) + j];
                double hi = d[(i * cols) + j];
                x[(2 * i * cols) + j] = (C * lo) + (C * hi);
                x[(((2 * i) + 1) * cols) + j] = (C * lo) + (-C * hi);
            }
        }
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double[] InverseAxis1(double[] lo, double[] hi, int size)
    {
        int cols = size * 2;
        var x = new double[size * cols];
        for (int r = 0; r < size; r++)
        {
            for (int j = 0; j < size; j++)
            {
                double l = lo[(r * size) + j];
                double h = hi[(r * size) + j];
                x[(r * cols) + (2 * j)] = (C * l) + (C * h);
                x[(r * cols) + (2 * j) + 1] = (C * l) + (-C * h);
            }
        }
        return x;
    }
}
