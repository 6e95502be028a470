// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Runtime.CompilerServices;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using HashIndexer.Engine.S3;

namespace HashIndexer.Engine.Sources;

/// <summary>Listing and reading settings for <see cref="S3ImageSource"/>.</summary>
public sealed record S3ImageSourceOptions
{
    /// <summary>Objects whose key ends with one of these (case-insensitive) are images; others are counted as skipped.</summary>
    public IReadOnlyList<string> Extensions { get; init; } = ImageExtensions.Default;

    /// <summary>Only the first N jobs in ordinal order (the original's s3.max_jobs_to_process); null or 0: all.</summary>
    public int? MaxJobs { get; init; }

    /// <summary>How many url.txt files are fetched at once while listing jobs (and job listings run at once in
    /// <see cref="S3ImageSource.ListJobsWithImagesAsync"/>).</summary>
    public int UrlConcurrency { get; init; } = 16;

    /// <summary>MaxKeys per list request; null: the server's default (1,000 on S3).</summary>
    public int? PageSize { get; init; }
}

/// <summary>
/// Jobs and images in an S3 bucket laid out as <c>&lt;root prefix&gt;&lt;job&gt;/...</c>, each job with an optional url.txt.
/// </summary>
public sealed class S3ImageSource : IImageSource
{
    private const string UrlFileName = "url.txt";

    private readonly IAmazonS3 _client;
    private readonly S3RetryPolicy _retry;
    private readonly S3ConnectionInfo _info;
    private readonly S3ImageSourceOptions _options;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<ImageJob>> _describedJobs = new(StringComparer.Ordinal);

    public S3ImageSource(S3Connection connection, string bucket, string? rootPrefix, S3ImageSourceOptions? options = null)
        : this(connection.Client, connection.Retry, connection.Info, bucket, rootPrefix, options)
    {
    }

    public S3ImageSource(IAmazonS3 client, S3RetryPolicy retry, S3ConnectionInfo info, string bucket, string? rootPrefix, S3ImageSourceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bucket);
        _client = client;
        _retry = retry;
        _info = info;
        _options = options ?? new S3ImageSourceOptions();
        Bucket = bucket;
        RootPrefix = NormalizePrefix(rootPrefix);
    }

    public string Bucket { get; }

    /// <summary>The root prefix, ending in '/' (or empty for the bucket's top level).</summary>
    public string RootPrefix { get; }

    public string Description => $"{S3Uri.Format(Bucket, RootPrefix)} via {_info.Description}";

    /// <summary>Retries made so far (all operations of this source's policy).</summary>
    public long Retries => _retry.Retries;

    /// <summary>
    /// Every job folder directly under the root prefix (all pages), in ordinal order, each with its url.txt; the
    /// url.txt files are fetched <see cref="S3ImageSourceOptions.UrlConcurrency"/> at a time, in listing order.
    /// </summary>
    public async IAsyncEnumerable<ImageJob> ListJobsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<string> prefixes = await ListJobPrefixesAsync(cancellationToken).ConfigureAwait(false);
        if (_options.MaxJobs is > 0 and var max && prefixes.Count > max)
        {
            prefixes.RemoveRange(max, prefixes.Count - max);
        }

        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = new Queue<Task<ImageJob>>();
        int next = 0;
        int width = Math.Max(1, _options.UrlConcurrency);
        try
        {
            while (next < prefixes.Count || pending.Count > 0)
            {
                while (next < prefixes.Count && pending.Count < width)
                {
                    string prefix = prefixes[next++];
                    pending.Enqueue(ReadJobAsync(prefix, window.Token));
                }
                ImageJob job = await pending.Dequeue().ConfigureAwait(false);
                yield return job;
            }
        }
        finally
        {
            // The consumer stopped early or a fetch failed: cancel and observe the fetches still running.
            await CancelAndDrainAsync(window, pending).ConfigureAwait(false);
        }
    }

    /// <summary>Every image under the job's prefix (sub-folders included, all pages), in ordinal key order.</summary>
    public async IAsyncEnumerable<ImageObject> ListImagesAsync(ImageJob job, SkipCounter skipped, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(skipped);
        string bucket = job.Container;
        var images = new List<ImageObject>();
        await foreach (S3Object o in ListObjectsAsync(bucket, job.Prefix, null, cancellationToken).ConfigureAwait(false))
        {
            if (o.Key.EndsWith('/'))
            {
                continue; // a "folder" placeholder made by the console, not an object anyone uploaded
            }
            string location = S3Uri.Format(bucket, o.Key);
            if (!ImageExtensions.IsImage(o.Key, _options.Extensions))
            {
                skipped.Add(location);
                continue;
            }
            images.Add(new ImageObject(o.Key, job, UnquoteETag(o.ETag), o.Size ?? 0, ToUtc(o.LastModified), location));
        }
        images.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (ImageObject image in images)
        {
            yield return image;
        }
    }

    /// <summary>
    /// Every job with all its images, in job order, listing the images of up to <see cref="S3ImageSourceOptions.UrlConcurrency"/>
    /// jobs at once: with thousands of small jobs, one list request per job is what a listing waits on.
    /// </summary>
    public async IAsyncEnumerable<(ImageJob Job, IReadOnlyList<ImageObject> Images)> ListJobsWithImagesAsync(
        SkipCounter skipped, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(skipped);
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = new Queue<Task<(ImageJob, IReadOnlyList<ImageObject>)>>();
        int width = Math.Max(1, _options.UrlConcurrency);
        try
        {
            await foreach (ImageJob job in ListJobsAsync(window.Token).ConfigureAwait(false))
            {
                pending.Enqueue(ListJobImagesAsync(job, skipped, window.Token));
                if (pending.Count >= width)
                {
                    yield return await pending.Dequeue().ConfigureAwait(false);
                }
            }
            while (pending.Count > 0)
            {
                yield return await pending.Dequeue().ConfigureAwait(false);
            }
        }
        finally
        {
            await CancelAndDrainAsync(window, pending).ConfigureAwait(false);
        }
    }

    private async Task<(ImageJob, IReadOnlyList<ImageObject>)> ListJobImagesAsync(ImageJob job, SkipCounter skipped, CancellationToken cancellationToken)
    {
        var images = new List<ImageObject>();
        await foreach (ImageObject image in ListImagesAsync(job, skipped, cancellationToken).ConfigureAwait(false))
        {
            images.Add(image);
        }
        return (job, images);
    }

    /// <summary>The object's bytes, streamed into memory; transient failures (including a body cut short) are retried.</summary>
    public async Task<ImageBytes> ReadAsync(ImageObject image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        string bucket = S3Uri.TryParse(image.Location, out S3Uri? uri) ? uri.Bucket : image.Job?.Container ?? Bucket;
        string location = S3Uri.Format(bucket, image.Key);
        try
        {
            return await _retry.ExecuteAsync(ct => GetBytesAsync(bucket, image.Key, image, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw ObjectFailure(ex, bucket, location, "read");
        }
    }

    /// <summary>
    /// An <see cref="ImageObject"/> for one key (HeadObject for ETag, size and last-modified). Its job is the first
    /// folder after the root prefix when the key is under it, else the key's parent folder (null at the bucket's top);
    /// the job's url.txt is read from that folder.
    /// </summary>
    public async Task<ImageObject> DescribeAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        string location = S3Uri.Format(Bucket, key);
        GetObjectMetadataResponse head;
        try
        {
            head = await _retry.ExecuteAsync(
                ct => _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, ct),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw ObjectFailure(ex, Bucket, location, "describe");
        }

        ImageJob? job = null;
        if (JobPrefixFor(key) is { } jobPrefix)
        {
            job = await DescribedJobAsync(jobPrefix, cancellationToken).ConfigureAwait(false);
        }
        return new ImageObject(key, job, UnquoteETag(head.ETag), head.ContentLength, ToUtc(head.LastModified), location);
    }

    /// <summary>
    /// Builds the connection-independent pieces for a single s3://bucket/key: a source for that bucket and the object.
    /// </summary>
    public static async Task<ImageObject> DescribeAsync(S3Connection connection, S3Uri uri, string? rootPrefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(uri);
        var source = new S3ImageSource(connection, uri.Bucket, rootPrefix);
        return await source.DescribeAsync(uri.Key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The job of described keys, read once per job folder: objects piped one by one (Get-S3Object) mostly share a
    /// few jobs, and each would otherwise fetch its job's url.txt again. A failed read is not kept.
    /// </summary>
    private async Task<ImageJob> DescribedJobAsync(string prefix, CancellationToken cancellationToken)
    {
        Task<ImageJob> read = _describedJobs.GetOrAdd(prefix, p => ReadJobAsync(p, cancellationToken));
        try
        {
            return await read.ConfigureAwait(false);
        }
        catch
        {
            _describedJobs.TryRemove(new KeyValuePair<string, Task<ImageJob>>(prefix, read));
            throw;
        }
    }

    /// <summary>Cancels fetches still in flight and observes them, so none is left unobserved when a listing ends early.</summary>
    private static async Task CancelAndDrainAsync<T>(CancellationTokenSource window, Queue<Task<T>> pending)
    {
        await window.CancelAsync().ConfigureAwait(false);
        while (pending.Count > 0)
        {
            try
            {
                await pending.Dequeue().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Cancelled on purpose, or already reported by the failure that ended the listing.
            }
        }
    }

    /// <summary>The job folder of a key: see <see cref="DescribeAsync(string, CancellationToken)"/>.</summary>
    internal string? JobPrefixFor(string key)
    {
        if (RootPrefix.Length > 0 && key.StartsWith(RootPrefix, StringComparison.Ordinal))
        {
            int slash = key.IndexOf('/', RootPrefix.Length);
            if (slash > RootPrefix.Length)
            {
                return key[..(slash + 1)];
            }
        }
        int last = key.LastIndexOf('/');
        return last > 0 ? key[..(last + 1)] : null;
    }

    /// <summary>Lowercase hex, without the quotes S3 puts around it; multipart ETags ("...-2") stay as they are.</summary>
    public static string UnquoteETag(string? etag) => (etag ?? "").Trim().Trim('"');


    internal static string NormalizePrefix(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix) || prefix == "/")
        {
            return "";
        }
        prefix = prefix.TrimStart('/');
        return prefix.EndsWith('/') ? prefix : prefix + "/";
    }

    private static DateTimeOffset? ToUtc(DateTime? value) => value switch
    {
        null => null,
        { Kind: DateTimeKind.Unspecified } v => new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)),
        { } v => new DateTimeOffset(v.ToUniversalTime()),
    };

    private async Task<List<string>> ListJobPrefixesAsync(CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            ListObjectsV2Response page = await ListPageAsync(Bucket, RootPrefix, "/", token, cancellationToken).ConfigureAwait(false);
            foreach (string prefix in page.CommonPrefixes ?? [])
            {
                seen.Add(prefix);
            }
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        var prefixes = seen.ToList();
        prefixes.Sort(StringComparer.Ordinal);
        return prefixes;
    }

    private async IAsyncEnumerable<S3Object> ListObjectsAsync(string bucket, string prefix, string? delimiter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? token = null;
        do
        {
            ListObjectsV2Response page = await ListPageAsync(bucket, prefix, delimiter, token, cancellationToken).ConfigureAwait(false);
            foreach (S3Object o in page.S3Objects ?? [])
            {
                yield return o;
            }
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }

    private async Task<ListObjectsV2Response> ListPageAsync(string bucket, string prefix, string? delimiter, string? continuationToken, CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request
        {
            BucketName = bucket,
            Prefix = prefix,
            Delimiter = delimiter,
            ContinuationToken = continuationToken,
        };
        if (_options.PageSize is > 0 and var size)
        {
            request.MaxKeys = size;
        }
        try
        {
            return await _retry.ExecuteAsync(ct => _client.ListObjectsV2Async(request, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            string location = S3Uri.Format(bucket, prefix);
            throw S3ErrorMapper.ToSetupException(ex, bucket, _info) is { } setup
                ? setup
                : new S3ObjectException(S3ErrorIds.S3ListFailed, location, $"Listing {location} failed: {Reason(ex)}", ex)
                {
                    S3ErrorCode = S3ErrorMapper.ErrorCode(ex),
                    Attempts = (ex as S3RetriesExhaustedException)?.Attempts ?? 1,
                };
        }
    }

    private async Task<ImageJob> ReadJobAsync(string prefix, CancellationToken cancellationToken)
    {
        string number = prefix.TrimEnd('/');
        number = number[(number.LastIndexOf('/') + 1)..];
        string urlKey = prefix + UrlFileName;
        string url;
        try
        {
            url = await _retry.ExecuteAsync(async ct =>
            {
                try
                {
                    using ImageBytes content = await GetBytesAsync(Bucket, urlKey, listed: null, ct).ConfigureAwait(false);
                    return JobUrlFile.Decode(content.Memory.Span);
                }
                catch (AmazonS3Exception ex) when (S3ErrorMapper.IsNotFound(ex))
                {
                    return "";
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw S3ErrorMapper.ToSetupException(ex, Bucket, _info) is { } setup
                ? setup
                : ObjectFailure(ex, Bucket, S3Uri.Format(Bucket, urlKey), "read the job's url.txt", S3ErrorIds.S3JobUrlReadFailed);
        }
        return new ImageJob(number, url, Bucket, prefix);
    }

    /// <summary>
    /// One GetObject, the whole body into one (lent) buffer; a body shorter than Content-Length, or whose MD5 is not
    /// its ETag, is an IOException (retried). Any failure gives the buffer back before it propagates.
    /// </summary>
    /// <remarks>
    /// An object listed with bytes in it is asked for as the range "bytes=0-" (the whole object) of the version that
    /// was listed (If-Match: its ETag), and its MD5 is checked here against the ETag. If it changed since (S3 answers
    /// 412; or 416 from a server that ignores If-Match, the object being empty now) it is read whole as it is now, as
    /// any object is read without a listing. Why: without a range the AWS SDK checks the MD5 itself,
    /// with a managed MD5 that allocates an array per 64-byte block; over the corpus jobs that check was about a
    /// quarter of the CPU our process spends downloading, and its garbage as many bytes as the images
    /// (benchmarks/e2e/RESULTS.md, rounds 10-12). The check here (the platform's MD5) is the same check: same ETags
    /// (an MD5 only when it is 32 hex digits and the object is not encrypted with SSE-KMS or SSE-C, as the SDK
    /// decides), same outcome (a mismatch is a transfer error, retried).
    /// </remarks>
    private async Task<ImageBytes> GetBytesAsync(string bucket, string key, ImageObject? listed, CancellationToken cancellationToken)
    {
        var request = new GetObjectRequest { BucketName = bucket, Key = key };
        if (listed is { Size: > 0, ETag.Length: > 0 })
        {
            request.ByteRange = new ByteRange("bytes=0-");
            request.EtagToMatch = "\"" + listed.ETag.Trim('"') + "\"";
        }
        using GetObjectResponse response = await GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
        long length = response.ContentLength;
        Stream body = response.ResponseStream;
        if (length < 0)
        {
            using var buffer = new MemoryStream();
            await body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            ImageBytes whole = ImageBytes.FromArray(buffer.ToArray());
            CheckMd5(request, response, whole.Memory.Span, bucket, key);
            return whole;
        }
        if (length > Array.MaxLength)
        {
            throw new InvalidDataException($"The object is {length} bytes, more than can be held in memory at once.");
        }
        ImageBytes bytes = ImageBytes.Allocate((int)length);
        try
        {
            Memory<byte> destination = bytes.Writable;
            int read = 0;
            while (read < length)
            {
                int n = await body.ReadAsync(destination[read..], cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new IOException($"The connection closed after {read} of {length} bytes.");
                }
                read += n;
            }
            CheckMd5(request, response, bytes.Memory.Span, bucket, key);
            return bytes;
        }
        catch
        {
            bytes.Dispose();
            throw;
        }
    }

    /// <summary>The GetObject; a ranged one of a listed version that changed since is sent again, plain (and the request changed to say so).</summary>
    private async Task<GetObjectResponse> GetObjectAsync(GetObjectRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (request.ByteRange is not null
                                           && ex.StatusCode is System.Net.HttpStatusCode.PreconditionFailed or System.Net.HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            request.ByteRange = null;
            request.EtagToMatch = null;
            return await _client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>For a ranged GetObject (the SDK checks the others): the body's MD5 against the ETag, when the ETag is one.</summary>
    private static void CheckMd5(GetObjectRequest request, GetObjectResponse response, ReadOnlySpan<byte> body, string bucket, string key)
    {
        if (request.ByteRange is null || !IsMd5ETag(response))
        {
            return;
        }
        Span<byte> md5 = stackalloc byte[16];
#pragma warning disable CA5351 // Not security: S3's ETag of a single-part object is its MD5; this is a transfer check.
        System.Security.Cryptography.MD5.HashData(body, md5);
#pragma warning restore CA5351
        string etag = response.ETag.Trim('"');
        if (!string.Equals(Convert.ToHexString(md5), etag, StringComparison.OrdinalIgnoreCase))
        {
            throw new IOException($"The bytes received for {S3Uri.Format(bucket, key)} do not match its ETag {etag} (their MD5 is {Convert.ToHexString(md5).ToLowerInvariant()}): corrupted in transit.");
        }
    }

    /// <summary>
    /// Whether the ETag is the object's MD5: 32 hex digits (a multipart upload's is "...-N") and no SSE-KMS or SSE-C
    /// encryption (their ETags are not MD5s); the rule the AWS SDK applies to the GetObjects it checks itself.
    /// </summary>
    private static bool IsMd5ETag(GetObjectResponse response)
    {
        string etag = response.ETag?.Trim('"') ?? "";
        return etag.Length == 32
            && etag.All(char.IsAsciiHexDigit)
            && string.IsNullOrEmpty(response.ServerSideEncryptionKeyManagementServiceKeyId)
            && (response.ServerSideEncryptionCustomerMethod is null || response.ServerSideEncryptionCustomerMethod == ServerSideEncryptionCustomerMethod.None);
    }

    private Exception ObjectFailure(Exception ex, string bucket, string location, string what, string? errorId = null)
    {
        if (S3ErrorMapper.ToSetupException(ex, bucket, _info) is { ErrorId: S3ErrorIds.S3BucketNotFound or S3ErrorIds.AwsCredentialsNotFound or S3ErrorIds.AwsCredentialsRejected or S3ErrorIds.S3RegionMismatch or S3ErrorIds.AwsAssumeRoleFailed } setup)
        {
            return setup;
        }
        bool notFound = S3ErrorMapper.IsNotFound(ex);
        int attempts = (ex as S3RetriesExhaustedException)?.Attempts ?? 1;
        string tries = attempts > 1 ? $" after {attempts} attempts" : "";
        return new S3ObjectException(errorId ?? (notFound ? S3ErrorIds.S3ObjectNotFound : S3ErrorIds.S3ObjectReadFailed), location,
            notFound ? $"Could not {what} {location}: the object does not exist (deleted since it was listed?)."
                     : $"Could not {what} {location}{tries}: {Reason(ex)}", ex)
        {
            S3ErrorCode = S3ErrorMapper.ErrorCode(ex),
            Attempts = attempts,
        };
    }

    private static string Reason(Exception ex)
    {
        Exception inner = ex is S3RetriesExhaustedException { InnerException: { } last } ? last : ex;
        string code = S3ErrorMapper.ErrorCode(inner) is { Length: > 0 } c ? c + ": " : "";
        return code + inner.Message;
    }
}
