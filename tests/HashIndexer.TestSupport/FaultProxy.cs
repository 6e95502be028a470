// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace HashIndexer.TestSupport;

/// <summary>What <see cref="FaultProxy"/> injects, per request, at these rates (0..1, tried in this order).</summary>
public sealed record FaultProxyOptions
{
    /// <summary>Seeds the decisions: the sequence of faults is the same for the same seed (which request gets which
    /// depends on arrival order when requests run concurrently).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Answer 503 SlowDown with S3's XML error body, without asking the server.</summary>
    public double SlowDownRate { get; init; }

    /// <summary>Close the connection before any response. (.NET's HttpClient itself re-sends a request whose connection
    /// closed before any response byte, up to 10 times, so one injected drop does not always reach the client's code.)</summary>
    public double DropRate { get; init; }

    /// <summary>Send the headers and half the body, then close the connection (a body cut short).</summary>
    public double TruncateRate { get; init; }

    /// <summary>Send the whole body with one byte changed (bit-flipped in the middle): data corrupted in transit, length intact.</summary>
    public double CorruptRate { get; init; }

    /// <summary>Wait <see cref="SlowDelay"/> before forwarding.</summary>
    public double SlowRate { get; init; }

    public TimeSpan SlowDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Added to every request (e.g. 30 ms to stand in for the distance to a real S3 region).</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Only requests whose method is in this list are faulted (others pass untouched); null: all.</summary>
    public IReadOnlyList<string>? FaultMethods { get; init; } = ["GET", "HEAD"];

    /// <summary>Requests whose decoded key (path after the bucket) satisfies this always fail with <see cref="PersistentFault"/>.</summary>
    public Func<string, bool>? AlwaysFail { get; init; }

    public FaultKind PersistentFault { get; init; } = FaultKind.SlowDown;

    /// <summary>For <see cref="FaultKind.Error"/>: the status, S3 error code and message to answer with
    /// (e.g. 403 AccessDenied, 301 PermanentRedirect, 400 AuthorizationHeaderMalformed).</summary>
    public int ErrorStatus { get; init; } = 403;

    public string ErrorCode { get; init; } = "AccessDenied";

    public string ErrorMessage { get; init; } = "Access Denied";

    /// <summary>Keep every request target (method and raw path+query) in <see cref="FaultProxy.Targets"/>.</summary>
    public bool RecordTargets { get; init; }

    /// <summary>
    /// Answer a GET or HEAD carrying If-Match with 412 PreconditionFailed, as S3 does, when the object's current ETag
    /// differs (s3rver 3.7.1 ignores If-Match). Counted in <see cref="FaultProxy.PreconditionFailures"/>.
    /// </summary>
    public bool EnforceIfMatch { get; init; }
}

public enum FaultKind
{
    None,
    SlowDown,
    Drop,
    Truncate,

    /// <summary>The whole body with one byte bit-flipped (<see cref="FaultProxyOptions.CorruptRate"/>).</summary>
    Corrupt,
    Slow,

    /// <summary>An S3 error response from <see cref="FaultProxyOptions.ErrorStatus"/>/ErrorCode/ErrorMessage.</summary>
    Error,
}

/// <summary>
/// A reverse proxy on 127.0.0.1 in front of an S3 server (normally <see cref="S3rverFixture"/>) that injects the
/// failures real S3 shows under load: 503 SlowDown, dropped connections, bodies cut short, slow answers, and
/// latency on every request. Counters say what it did. Forwards the raw request target, so keys round-trip as sent.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly Uri _target;
    private readonly Random _random;
    private readonly object _randomLock = new();
    private FaultProxyOptions _options;
    private long _requests;
    private long _forwarded;
    private long _slowDowns;
    private long _drops;
    private long _truncations;
    private long _corruptions;
    private long _preconditionFailures;
    private long _slowed;
    private long _persistent;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _forwardedByKey = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _targets = new();

    private FaultProxy(WebApplication app, Uri target, FaultProxyOptions options)
    {
        _app = app;
        _target = target;
        _options = options;
        _random = new Random(options.Seed);
        _upstream = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>Starts a proxy to <paramref name="targetUrl"/> (http://127.0.0.1:PORT) on a free loopback port.</summary>
    public static async Task<FaultProxy> StartAsync(string targetUrl, FaultProxyOptions? options = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "HashIndexer.FaultProxy" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = null;
            k.AddServerHeader = false;
        });
        WebApplication app = builder.Build();
        var proxy = new FaultProxy(app, new Uri(targetUrl), options ?? new FaultProxyOptions());
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        string address = app.Services.GetService(typeof(IServer)) is IServer server
            && server.Features.Get<IServerAddressesFeature>() is { } feature
            ? feature.Addresses.First()
            : throw new InvalidOperationException("Kestrel reported no address.");
        proxy.Port = new Uri(address).Port;
        return proxy;
    }

    public int Port { get; private set; }

    /// <summary>http://127.0.0.1:PORT, to use as the client's ServiceURL.</summary>
    public string ServiceUrl => $"http://127.0.0.1:{Port}";

    /// <summary>Changes what is injected from now on (the random sequence continues).</summary>
    public FaultProxyOptions Options
    {
        get => Volatile.Read(ref _options);
        set => Volatile.Write(ref _options, value);
    }

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests passed to the server and answered in full.</summary>
    public long Forwarded => Interlocked.Read(ref _forwarded);

    public long SlowDowns => Interlocked.Read(ref _slowDowns);

    public long Drops => Interlocked.Read(ref _drops);

    public long Truncations => Interlocked.Read(ref _truncations);

    public long Corruptions => Interlocked.Read(ref _corruptions);

    /// <summary>412 answers given because of <see cref="FaultProxyOptions.EnforceIfMatch"/>.</summary>
    public long PreconditionFailures => Interlocked.Read(ref _preconditionFailures);

    public long Slowed => Interlocked.Read(ref _slowed);

    /// <summary>Failures injected because of <see cref="FaultProxyOptions.AlwaysFail"/> (also counted in their kind).</summary>
    public long PersistentFailures => Interlocked.Read(ref _persistent);

    public long Injected => SlowDowns + Drops + Truncations + Corruptions;

    /// <summary>How many GETs of <paramref name="key"/> were answered in full (a successful download). Counted once the
    /// last byte is written, which may be a moment after the client has read it: check after a batch, or poll.</summary>
    public int CompletedGets(string key) => _forwardedByKey.TryGetValue(key, out int n) ? n : 0;

    /// <summary>"METHOD raw-target" of every request, when <see cref="FaultProxyOptions.RecordTargets"/> is on.</summary>
    public IReadOnlyList<string> Targets => [.. _targets];

    public void ResetCounters()
    {
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _forwarded, 0);
        Interlocked.Exchange(ref _slowDowns, 0);
        Interlocked.Exchange(ref _drops, 0);
        Interlocked.Exchange(ref _truncations, 0);
        Interlocked.Exchange(ref _corruptions, 0);
        Interlocked.Exchange(ref _preconditionFailures, 0);
        Interlocked.Exchange(ref _slowed, 0);
        Interlocked.Exchange(ref _persistent, 0);
        _forwardedByKey.Clear();
        _targets.Clear();
    }

    public override string ToString() =>
        $"requests {Requests}, forwarded {Forwarded}, 503 {SlowDowns}, drops {Drops}, truncated {Truncations}, corrupted {Corruptions}, slowed {Slowed}, persistent {PersistentFailures}";

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(cts.Token);
        }
        finally
        {
            await _app.DisposeAsync();
            _upstream.Dispose();
        }
    }

    private FaultKind Decide(FaultProxyOptions options, string method, string key)
    {
        if (options.FaultMethods is { } methods && !methods.Contains(method, StringComparer.OrdinalIgnoreCase))
        {
            return FaultKind.None;
        }
        if (options.AlwaysFail is { } always && always(key))
        {
            Interlocked.Increment(ref _persistent);
            return options.PersistentFault;
        }
        double r;
        lock (_randomLock)
        {
            r = _random.NextDouble();
        }
        double edge = options.SlowDownRate;
        if (r < edge)
        {
            return FaultKind.SlowDown;
        }
        if (r < (edge += options.DropRate))
        {
            return FaultKind.Drop;
        }
        if (r < (edge += options.TruncateRate))
        {
            return FaultKind.Truncate;
        }
        if (r < (edge += options.CorruptRate))
        {
            return FaultKind.Corrupt;
        }
        return r < edge + options.SlowRate ? FaultKind.Slow : FaultKind.None;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        FaultProxyOptions options = Options;
        CancellationToken aborted = context.RequestAborted;
        string rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (context.Request.Path + context.Request.QueryString);
        string key = KeyOf(rawTarget);
        FaultKind fault = Decide(options, context.Request.Method, key);
        if (options.RecordTargets)
        {
            _targets.Enqueue(context.Request.Method + " " + rawTarget);
        }

        if (options.Latency > TimeSpan.Zero)
        {
            await Task.Delay(options.Latency, aborted);
        }
        switch (fault)
        {
            case FaultKind.SlowDown:
                Interlocked.Increment(ref _slowDowns);
                await WriteErrorAsync(context, 503, "SlowDown", "Please reduce your request rate.", key);
                return;
            case FaultKind.Error:
                await WriteErrorAsync(context, options.ErrorStatus, options.ErrorCode, options.ErrorMessage, key);
                return;
            case FaultKind.Drop:
                Interlocked.Increment(ref _drops);
                context.Abort();
                return;
            case FaultKind.Slow:
                Interlocked.Increment(ref _slowed);
                await Task.Delay(options.SlowDelay, aborted);
                break;
        }

        if (options.EnforceIfMatch && context.Request.Headers.IfMatch.Count > 0
            && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
        {
            using var head = new HttpRequestMessage(HttpMethod.Head, new Uri(_target, rawTarget));
            head.Headers.Host = context.Request.Host.Value;
            using HttpResponseMessage current = await _upstream.SendAsync(head, aborted);
            string Unquote(string? etag) => (etag ?? "").Trim().Trim('"');
            string now = Unquote(current.Headers.ETag?.Tag);
            if (current.IsSuccessStatusCode && !context.Request.Headers.IfMatch.Any(m => Unquote(m) == now || m == "*"))
            {
                Interlocked.Increment(ref _preconditionFailures);
                await WriteErrorAsync(context, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", key);
                return;
            }
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(_target, rawTarget));
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
        }
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in context.Request.Headers)
        {
            if (header.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals("Expect", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (!request.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value))
            {
                request.Content?.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
            }
        }
        // Keep the Host the client signed (s3rver ignores it; a signing server would not).
        request.Headers.Host = context.Request.Host.Value;

        using HttpResponseMessage response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, aborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (KeyValuePair<string, IEnumerable<string>> header in response.Headers.Concat(response.Content.Headers))
        {
            if (header.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            context.Response.Headers[header.Key] = header.Value.ToArray();
        }

        if (fault == FaultKind.Truncate)
        {
            byte[] body = await response.Content.ReadAsByteArrayAsync(aborted);
            if (body.Length < 2)
            {
                // Nothing to cut in half: drop the connection instead.
                Interlocked.Increment(ref _drops);
                context.Abort();
                return;
            }
            Interlocked.Increment(ref _truncations);
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2), aborted);
            await context.Response.Body.FlushAsync(aborted);
            // Abort resets the connection, and Linux drops data not yet read when a reset arrives: give the
            // client a moment to take in the headers and half the body, so it sees a body cut short.
            await Task.Delay(50, aborted);
            context.Abort();
            return;
        }

        if (fault == FaultKind.Corrupt && !HttpMethods.IsHead(context.Request.Method) && response.IsSuccessStatusCode)
        {
            byte[] body = await response.Content.ReadAsByteArrayAsync(aborted);
            if (body.Length > 0)
            {
                Interlocked.Increment(ref _corruptions);
                body[body.Length / 2] ^= 0x5A;
            }
            await context.Response.Body.WriteAsync(body, aborted);
            return;
        }

        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await using Stream upstreamBody = await response.Content.ReadAsStreamAsync(aborted);
            await upstreamBody.CopyToAsync(context.Response.Body, aborted);
        }
        Interlocked.Increment(ref _forwarded);
        if (HttpMethods.IsGet(context.Request.Method) && response.IsSuccessStatusCode && key.Length > 0)
        {
            _forwardedByKey.AddOrUpdate(key, 1, (_, n) => n + 1);
        }
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string code, string message, string key)
    {
        string xml = $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{System.Security.SecurityElement.Escape(message)}</Message>"
                     + $"<Key>{System.Security.SecurityElement.Escape(key)}</Key><RequestId>FAULTPROXY</RequestId><HostId>FaultProxy</HostId></Error>";
        byte[] body = Encoding.UTF8.GetBytes(xml);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        context.Response.Headers["x-amz-request-id"] = "FAULTPROXY";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>The decoded key of a path-style request target: /bucket/key?query → key.</summary>
    public static string KeyOf(string rawTarget)
    {
        string path = rawTarget;
        int q = path.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            path = path[..q];
        }
        path = path.TrimStart('/');
        int slash = path.IndexOf('/', StringComparison.Ordinal);
        string key = slash < 0 ? "" : path[(slash + 1)..];
        return Uri.UnescapeDataString(key);
    }

    internal static string Describe(double rate) => rate.ToString("P0", CultureInfo.InvariantCulture);
}
