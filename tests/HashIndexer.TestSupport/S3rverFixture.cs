// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Xunit;

namespace HashIndexer.TestSupport;

/// <summary>
/// A real S3-compatible server (s3rver 3.7.1 under Node) on 127.0.0.1, a free port and a temporary data folder.
/// Use it as an xUnit class or collection fixture, or through <see cref="StartAsync"/>. Disposing it kills the
/// process tree and deletes the data; the server also exits by itself when this process dies (its stdin closes).
/// </summary>
public sealed partial class S3rverFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>s3rver accepts any well-formed signature; these are the conventional keys.</summary>
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    public const string Region = "us-east-1";

    private static readonly SemaphoreSlim s_npmLock = new(1, 1);
    private static bool s_npmDone;

    private readonly StringBuilder _stderr = new();
    private Process? _process;
    private AmazonS3Client? _client;
    private int _disposed;
    private bool _keepData;

    /// <summary>The port s3rver listens on (valid after <see cref="InitializeAsync"/>).</summary>
    public int Port { get; private set; }

    /// <summary>http://127.0.0.1:PORT</summary>
    public string ServiceUrl => $"http://127.0.0.1:{Port}";

    /// <summary>Where s3rver keeps buckets and objects (one folder per bucket, files named key._S3rver_object).</summary>
    public string DataDirectory { get; private init; } = Path.Combine(Path.GetTempPath(), "hashindexer-s3rver-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The node process's id (for logs).</summary>
    public int ProcessId => _process?.Id ?? 0;

    /// <summary>A client for seeding and checking, created on first use (direct to s3rver, not through any proxy).</summary>
    public AmazonS3Client Client => _client ??= CreateClient();

    /// <summary>Starts a server; the caller disposes it.</summary>
    public static Task<S3rverFixture> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(new S3rverFixture(), cancellationToken);

    /// <summary>
    /// Starts a server on <paramref name="dataDirectory"/>, which is kept when the server stops: benchmarks seed a large
    /// bucket once and reuse it across runs.
    /// </summary>
    public static Task<S3rverFixture> StartAsync(string dataDirectory, CancellationToken cancellationToken = default) =>
        StartAsync(new S3rverFixture { DataDirectory = Path.GetFullPath(dataDirectory), _keepData = true }, cancellationToken);

    private static async Task<S3rverFixture> StartAsync(S3rverFixture fixture, CancellationToken cancellationToken)
    {
        try
        {
            await fixture.StartCoreAsync(cancellationToken);
            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
    }

    Task IAsyncLifetime.InitializeAsync() => StartCoreAsync(CancellationToken.None);

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    /// <summary>
    /// A client with the settings s3rver needs: path style, signed for us-east-1, checksums only when required.
    /// <paramref name="serviceUrl"/> points it elsewhere (a <see cref="FaultProxy"/>); retries off unless asked.
    /// </summary>
    public AmazonS3Client CreateClient(string? serviceUrl = null, int maxErrorRetry = 0, TimeSpan? timeout = null)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = serviceUrl ?? ServiceUrl,
            ForcePathStyle = true,
            AuthenticationRegion = Region,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = maxErrorRetry,
            Timeout = timeout ?? TimeSpan.FromSeconds(60),
        };
        return new AmazonS3Client(new BasicAWSCredentials(AccessKey, SecretKey), config);
    }

    public async Task CreateBucketAsync(string bucket, CancellationToken cancellationToken = default)
    {
        await Client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, cancellationToken);
    }

    /// <summary>Uploads bytes (plain PUT, no aws-chunked framing) and returns the ETag without quotes (the MD5 in hex).</summary>
    public async Task<string> PutObjectAsync(string bucket, string key, byte[] data, CancellationToken cancellationToken = default)
    {
        using var stream = new MemoryStream(data, writable: false);
        PutObjectResponse response = await Client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = stream,
            AutoCloseStream = false,
            UseChunkEncoding = false,
        }, cancellationToken);
        string etag = response.ETag.Trim('"');
        string md5 = Convert.ToHexStringLower(MD5.HashData(data));
        if (etag != md5)
        {
            throw new InvalidOperationException($"s3rver stored s3://{bucket}/{key} with ETag {etag}, not the MD5 {md5} of the bytes sent.");
        }
        return etag;
    }

    public Task<string> PutTextAsync(string bucket, string key, string text, CancellationToken cancellationToken = default) =>
        PutObjectAsync(bucket, key, Encoding.UTF8.GetBytes(text), cancellationToken);

    public async Task<string> PutFileAsync(string bucket, string key, string path, CancellationToken cancellationToken = default) =>
        await PutObjectAsync(bucket, key, await File.ReadAllBytesAsync(path, cancellationToken), cancellationToken);

    /// <summary>
    /// A real multipart upload (initiate, <paramref name="partCount"/> parts, complete). s3rver 3.7.1 answers it with
    /// the plain MD5 of the whole object, not S3's "md5-of-part-md5s-N"; so that listings show what S3 shows, the
    /// stored ETag (s3rver's key._S3rver_object.md5 file) is then set to the S3 value. Returns that ETag, unquoted.
    /// </summary>
    public async Task<string> PutMultipartAsync(string bucket, string key, byte[] data, int partCount = 2, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(data.Length, partCount);
        InitiateMultipartUploadResponse init = await Client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = bucket, Key = key }, cancellationToken);
        var parts = new List<PartETag>();
        var partMd5s = new List<byte[]>();
        int partSize = (data.Length + partCount - 1) / partCount;
        for (int i = 0; i < partCount; i++)
        {
            int offset = i * partSize;
            int length = Math.Min(partSize, data.Length - offset);
            using var stream = new MemoryStream(data, offset, length, writable: false);
            UploadPartResponse part = await Client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket,
                Key = key,
                UploadId = init.UploadId,
                PartNumber = i + 1,
                InputStream = stream,
                PartSize = length,
                UseChunkEncoding = false,
            }, cancellationToken);
            parts.Add(new PartETag(i + 1, part.ETag));
            partMd5s.Add(MD5.HashData(data.AsSpan(offset, length)));
        }
        CompleteMultipartUploadResponse done = await Client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket,
            Key = key,
            UploadId = init.UploadId,
            PartETags = parts,
        }, cancellationToken);
        LastMultipartServerETag = done.ETag.Trim('"');

        string s3ETag = Convert.ToHexStringLower(MD5.HashData(partMd5s.SelectMany(m => m).ToArray())) + "-" + partCount.ToString(CultureInfo.InvariantCulture);
        if (LastMultipartServerETag != s3ETag)
        {
            await File.WriteAllTextAsync(ObjectFilePath(bucket, key) + ".md5", s3ETag, cancellationToken);
        }
        return s3ETag;
    }

    /// <summary>What s3rver itself answered to the last <see cref="PutMultipartAsync"/> (3.7.1: the whole object's MD5).</summary>
    public string? LastMultipartServerETag { get; private set; }

    /// <summary>The file s3rver keeps an object's bytes in (its ETag is in the same name + ".md5").</summary>
    public string ObjectFilePath(string bucket, string key)
    {
        string[] parts = key.Split('/');
        string name = parts[^1] + "._S3rver_object";
        return Path.Combine([DataDirectory, bucket, .. parts[..^1], name]);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _client?.Dispose();
        Process? process = _process;
        if (process is not null)
        {
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            Kill(process);
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
            }
            process.Dispose();
        }
        try
        {
            if (!_keepData && Directory.Exists(DataDirectory))
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        string dir = TestSupportPaths.S3rverDirectory;
        await EnsureInstalledAsync(dir, cancellationToken);
        Directory.CreateDirectory(DataDirectory);

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = dir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(dir, "start.js"));
        start.ArgumentList.Add(DataDirectory);
        start.ArgumentList.Add("0");
        string? nodeOptions = Environment.GetEnvironmentVariable("NODE_OPTIONS");
        start.Environment["NODE_OPTIONS"] = string.IsNullOrEmpty(nodeOptions) ? "--openssl-legacy-provider"
            : nodeOptions.Contains("--openssl-legacy-provider", StringComparison.Ordinal) ? nodeOptions : nodeOptions + " --openssl-legacy-provider";

        var ready = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && ListeningRegex().Match(e.Data) is { Success: true } m)
            {
                ready.TrySetResult(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    if (_stderr.Length < 16_000)
                    {
                        _stderr.AppendLine(e.Data);
                    }
                }
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("s3rver exited before it was ready: " + StandardError));
        if (!process.Start())
        {
            throw new InvalidOperationException("node could not be started.");
        }
        _process = process;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            Port = await ready.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("s3rver did not report it was listening within 60 s: " + StandardError);
        }
    }

    private string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Runs <c>npm ci</c> in tests/s3rver once when node_modules is missing (one process at a time, machine-wide).</summary>
    private static async Task EnsureInstalledAsync(string dir, CancellationToken cancellationToken)
    {
        string marker = Path.Combine(dir, "node_modules", "s3rver", "package.json");
        if (s_npmDone || File.Exists(marker))
        {
            return;
        }
        await s_npmLock.WaitAsync(cancellationToken);
        try
        {
            if (File.Exists(marker))
            {
                return;
            }
            // Another test process may be installing too: a lock file serialises them.
            string lockPath = Path.Combine(Path.GetTempPath(), "hashindexer-s3rver-npm.lock");
            using FileStream lockFile = await AcquireFileLockAsync(lockPath, cancellationToken);
            if (File.Exists(marker))
            {
                return;
            }
            var npm = new ProcessStartInfo("npm")
            {
                WorkingDirectory = dir,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string arg in new[] { "ci", "--no-audit", "--no-fund", "--prefix", dir })
            {
                npm.ArgumentList.Add(arg);
            }
            using Process p = Process.Start(npm) ?? throw new InvalidOperationException("npm could not be started.");
            Task<string> output = p.StandardOutput.ReadToEndAsync(cancellationToken);
            Task<string> error = p.StandardError.ReadToEndAsync(cancellationToken);
            await p.WaitForExitAsync(cancellationToken);
            if (p.ExitCode != 0 || !File.Exists(marker))
            {
                throw new InvalidOperationException($"npm ci in {dir} failed ({p.ExitCode}): {await output}{await error}");
            }
            s_npmDone = true;
        }
        finally
        {
            s_npmLock.Release();
        }
    }

    private static async Task<FileStream> AcquireFileLockAsync(string path, CancellationToken cancellationToken)
    {
        for (int i = 0; ; i++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (i < 600)
            {
                await Task.Delay(500, cancellationToken);
            }
        }
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        if (_process is { } p)
        {
            Kill(p);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }

    [GeneratedRegex(@"S3rver listening on [^\s]+:(\d+)")]
    private static partial Regex ListeningRegex();
}
