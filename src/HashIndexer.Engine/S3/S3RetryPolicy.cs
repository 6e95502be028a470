// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;

namespace HashIndexer.Engine.S3;

/// <summary>
/// Bounded retries with exponential backoff and full jitter, around whole operations (request and body read).
/// </summary>
/// <remarks>
/// The SDK's own retries are switched off (MaxErrorRetry = 0) and this policy does them all, because: a GetObject
/// whose connection drops while the body streams is never retried by the SDK; nesting both would multiply the
/// attempts; and the SDK's standard-mode retry quota empties under a sustained error rate, after which it stops
/// retrying at all. One policy gives one bound: <see cref="MaxAttempts"/> requests per operation.
/// </remarks>
public sealed class S3RetryPolicy
{
    private static readonly HashSet<string> s_transientCodes = new(StringComparer.Ordinal)
    {
        "SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling", "ThrottlingException",
        "ThrottledException", "RequestThrottled", "RequestThrottledException", "TooManyRequestsException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "PriorRequestNotComplete", "RequestTimeTooSkewed",
        "RequestTimeoutException", "EC2ThrottledException", "TransactionInProgressException",
    };

    private long _retries;

    public S3RetryPolicy(int maxAttempts = S3ConnectionOptions.DefaultMaxAttempts, TimeSpan? attemptTimeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        MaxAttempts = maxAttempts;
        AttemptTimeout = attemptTimeout ?? TimeSpan.FromSeconds(S3ConnectionOptions.DefaultTimeoutSeconds);
    }

    /// <summary>Requests per operation, the first included.</summary>
    public int MaxAttempts { get; }

    /// <summary>Limit for one attempt, body read included.</summary>
    public TimeSpan AttemptTimeout { get; }

    /// <summary>First backoff step; attempt n waits a random time in [0, min(MaxDelay, BaseDelay * 2^(n-1))].</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries made so far through this policy (for -Verbose summaries and benchmarks).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>
    /// Runs <paramref name="operation"/> until it succeeds, fails with a non-transient error (thrown as is), or
    /// fails transiently <see cref="MaxAttempts"/> times (<see cref="S3RetriesExhaustedException"/>).
    /// Cancellation of <paramref name="cancellationToken"/> ends it at once with OperationCanceledException.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Exception failure;
            using (var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                attemptCts.CancelAfter(AttemptTimeout);
                try
                {
                    return await operation(attemptCts.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && attemptCts.IsCancellationRequested
                                           && ex is OperationCanceledException or AmazonClientException)
                {
                    // Our per-attempt timer fired, not the caller: a timeout, which is transient.
                    failure = new TimeoutException($"The request did not complete within {AttemptTimeout.TotalSeconds:0.###} s.", ex);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsTransient(ex))
                {
                    failure = ex;
                }
            }

            if (attempt >= MaxAttempts)
            {
                throw new S3RetriesExhaustedException(attempt, failure);
            }

            Interlocked.Increment(ref _retries);
            await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    internal TimeSpan Backoff(int attempt)
    {
        double cap = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
#pragma warning disable CA5394 // jitter, not security
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * cap);
#pragma warning restore CA5394
    }

    /// <summary>Whether a failure is worth another attempt: throttling, 5xx, a dropped or reset connection, a timeout, a truncated body.</summary>
    public static bool IsTransient(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AmazonUnmarshallingException:
                    return true; // a response cut short: the XML could not be read
                case AmazonClientException when e.Message.StartsWith("Expected hash not equal to calculated hash", StringComparison.Ordinal):
                    return true; // the SDK's MD5 check of a GetObject body failed: corrupted in transit
                case AmazonServiceException service when (int)service.StatusCode >= 500
                                                         || service.StatusCode == (HttpStatusCode)429
                                                         || (service.ErrorCode is { } code && s_transientCodes.Contains(code)):
                    return true;
                case AmazonServiceException service when (int)service.StatusCode is >= 400 and < 500:
                    return false; // the server answered with a definite refusal
                case IOException or HttpRequestException or SocketException or TimeoutException:
                    return true;
                case TaskCanceledException when e.InnerException is TimeoutException:
                    return true; // HttpClient.Timeout
            }
        }
        return false;
    }
}

/// <summary>Every attempt failed transiently; <see cref="Exception.InnerException"/> is the last failure.</summary>
public sealed class S3RetriesExhaustedException : Exception
{
    public S3RetriesExhaustedException(int attempts, Exception lastFailure)
        : base($"Failed after {attempts} attempt(s): {lastFailure.Message}", lastFailure)
    {
        Attempts = attempts;
    }

    public S3RetriesExhaustedException()
    {
    }

    public S3RetriesExhaustedException(string message)
        : base(message)
    {
    }

    public S3RetriesExhaustedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Attempts { get; }
}
