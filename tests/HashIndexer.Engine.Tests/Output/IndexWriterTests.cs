using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using HashIndexer.Engine.Configuration;
using HashIndexer.Engine.Output;
using HashIndexer.Engine.Tests.Indexing;

namespace HashIndexer.Engine.Tests.Output;

public sealed class IndexWriterTests
{
    private static IndexEntry Row(string key, string job, string url, string o, string h, string v, params string[] perms)
        => new(key, job, url, "etag-" + job, 1234, new DateTimeOffset(2024, 5, 1, 12, 30, 15, TimeSpan.Zero).AddTicks(1230), o, h, v, perms, null, 640, 480);

    // What the original tool's csv.DictWriter writes for these rows (python3 csv, captured byte for byte): CRLF, QUOTE_MINIMAL,
    // a leading space not quoted, a lone LF and a lone CR quoted, and rows in code-point order (U+FF01 before U+1F600).
    private static readonly byte[] s_pythonBytes = Encoding.UTF8.GetBytes(
        "image_name,job_number,job_url,original_hash,h_flip_hash,v_flip_hash\r\n"
        + "jobs/1/a b.jpg,1,\" https://x/y?a=1,b=2 \",8f373714acfcf4d0,0000000000000000,ffffffffffffffff\r\n"
        + "\"jobs/2/q\"\"uote.png\",2,\"line1\nline2\",1,2,3\r\n"
        + "jobs/3/\u00fc\u00e9.jpg,3,,a,b,\"c\r\"\r\n"
        + "jobs/3/\uff01.jpg,3,,a,b,c\r\n"
        + "jobs/3/\U0001F600.jpg,3,,a,b,c\r\n");

    private static List<IndexEntry> PythonRows() =>
    [
        Row("jobs/3/\U0001F600.jpg", "3", "", "a", "b", "c"),
        Row("jobs/1/a b.jpg", "1", " https://x/y?a=1,b=2 ", "8f373714acfcf4d0", "0000000000000000", "ffffffffffffffff"),
        Row("jobs/3/\uff01.jpg", "3", "", "a", "b", "c"),
        Row("jobs/2/q\"uote.png", "2", "line1\nline2", "1", "2", "3"),
        Row("jobs/3/\u00fc\u00e9.jpg", "3", "", "a", "b", "c\r"),
    ];

    private static async Task<byte[]> CsvBytes(IndexSchema schema, IEnumerable<IndexEntry> rows)
    {
        var ms = new MemoryStream();
        await CsvIndex.WriteAsync(ms, schema, rows, CancellationToken.None);
        return ms.ToArray();
    }

    [Fact]
    public async Task Csv_matches_python_csv_module_byte_for_byte()
    {
        var rows = PythonRows();
        rows.Sort((a, b) => KeyComparer.Instance.Compare(a.Key, b.Key));
        byte[] bytes = await CsvBytes(new IndexSchema([], []), rows);
        Assert.Equal(Encoding.UTF8.GetString(s_pythonBytes), Encoding.UTF8.GetString(bytes));
        Assert.Equal(s_pythonBytes, bytes); // also: no BOM
    }

    [Fact]
    public async Task Csv_header_with_permutations_and_extra_columns_and_round_trip()
    {
        var schema = new IndexSchema(["rot90"], [ExtraColumn.ETag, ExtraColumn.Size, ExtraColumn.LastModified, ExtraColumn.Sha256, ExtraColumn.Width, ExtraColumn.Height]);
        var row = Row("k/1/x.jpg", "1", "u", "0123456789abcdef", "fedcba9876543210", "0000000000000001", "ffffffffffffffff") with { Sha256 = new string('a', 64) };
        byte[] bytes = await CsvBytes(schema, [row]);
        string text = Encoding.UTF8.GetString(bytes);
        Assert.Equal(
            "image_name,job_number,job_url,original_hash,h_flip_hash,v_flip_hash,rot90_hash,etag,size,last_modified,sha256,width,height\r\n"
            + "k/1/x.jpg,1,u,0123456789abcdef,fedcba9876543210,0000000000000001,ffffffffffffffff,etag-1,1234,2024-05-01T12:30:15.000123Z," + new string('a', 64) + ",640,480\r\n",
            text);
        var back = new List<IndexEntry>();
        await foreach (var e in CsvIndex.ReadAsync(new MemoryStream(bytes), CancellationToken.None))
        {
            back.Add(e);
        }
        Assert.Single(back);
        Assert.Equal(row.Key, back[0].Key);
        Assert.Equal(row.LastModified, back[0].LastModified);
        Assert.Equal(row.PermutationHashes, back[0].PermutationHashes);
        Assert.Equal((row.Size, row.Width, row.Height, row.Sha256, row.ETag), (back[0].Size, back[0].Width, back[0].Height, back[0].Sha256, back[0].ETag));
    }

    [Fact]
    public void Key_order_is_code_point_order()
    {
        string[] keys = ["b", "\U0001F600", "a", "\uff01", "B", "a/b", "a-b"];
        Array.Sort(keys, KeyComparer.Instance);
        // The order of UTF-8 bytes (what S3 lists and Python's sorted() gives).
        string[] bytewise = [.. keys.OrderBy(k => Convert.ToHexString(Encoding.UTF8.GetBytes(k)), StringComparer.Ordinal)];
        Assert.Equal(bytewise, keys);
        Assert.Equal(["B", "a", "a-b", "a/b", "b", "\uff01", "\U0001F600"], keys);
    }

    [Fact]
    public async Task Parquet_read_by_duckdb_has_typed_schema_int64_hashes_and_utc_timestamps()
    {
        using var dir = new TempDir();
        string path = dir["index.parquet"];
        var schema = new IndexSchema(["rot90"], [ExtraColumn.ETag, ExtraColumn.Size, ExtraColumn.LastModified, ExtraColumn.Sha256, ExtraColumn.Width, ExtraColumn.Height]);
        var rows = new List<IndexEntry>
        {
            Row("jobs/1/a.jpg", "1", "https://a", "8f373714acfcf4d0", "0000000000000000", "ffffffffffffffff", "7fffffffffffffff"),
            Row("jobs/1/b.jpg", "1", "https://a", "8000000000000000", "0000000000000001", "0f0f0f0f0f0f0f0f", "0123456789abcdef") with { LastModified = null, Size = null, Width = null },
        };
        Assert.True(await IndexFile.WriteAsync(OutputTarget.LocalParquet, path, schema, rows, CancellationToken.None));

        using var con = new DuckDBConnection("Data Source=:memory:");
        con.Open();
        var types = new Dictionary<string, string>();
        var order = new List<string>();
        using (var cmd = con.CreateCommand())
        {
            cmd.CommandText = $"DESCRIBE SELECT * FROM read_parquet('{path}')";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                types[r.GetString(0)] = r.GetString(1);
                order.Add(r.GetString(0));
            }
        }
        Assert.Equal(
            ["image_name", "job_number", "job_url", "original_hash", "h_flip_hash", "v_flip_hash", "rot90_hash",
             "original_hash_i64", "h_flip_hash_i64", "v_flip_hash_i64", "rot90_hash_i64",
             "etag", "size", "last_modified", "sha256", "width", "height"], order);
        Assert.Equal("VARCHAR", types["image_name"]);
        Assert.Equal("VARCHAR", types["original_hash"]);
        Assert.Equal("BIGINT", types["original_hash_i64"]);
        Assert.Equal("BIGINT", types["size"]);
        Assert.Equal("TIMESTAMP WITH TIME ZONE", types["last_modified"]);
        Assert.Equal("INTEGER", types["width"]);

        using (var cmd = con.CreateCommand())
        {
            cmd.CommandText = $"""
                SET TimeZone = 'UTC';
                SELECT image_name, original_hash_i64, h_flip_hash_i64, v_flip_hash_i64, rot90_hash_i64,
                       strftime(last_modified, '%Y-%m-%dT%H:%M:%S.%fZ'), size, width, height, etag
                FROM read_parquet('{path}') ORDER BY image_name
                """;
            using var r = cmd.ExecuteReader();
            Assert.True(r.Read());
            Assert.Equal("jobs/1/a.jpg", r.GetString(0));
            Assert.Equal(unchecked((long)0x8f373714acfcf4d0UL), r.GetInt64(1));
            Assert.Equal(0L, r.GetInt64(2));
            Assert.Equal(-1L, r.GetInt64(3));
            Assert.Equal(long.MaxValue, r.GetInt64(4));
            Assert.Equal("2024-05-01T12:30:15.000123Z", r.GetString(5));
            Assert.Equal(1234L, r.GetInt64(6));
            Assert.Equal(640, r.GetInt32(7));
            Assert.Equal(480, r.GetInt32(8));
            Assert.Equal("etag-1", r.GetString(9));
            Assert.True(r.Read());
            Assert.Equal(long.MinValue, r.GetInt64(1));
            Assert.True(r.IsDBNull(5));
            Assert.True(r.IsDBNull(6));
            Assert.True(r.IsDBNull(7));
            Assert.False(r.Read());
        }

        // Hamming distance in SQL on the INT64 columns equals the distance of the hex strings.
        using (var cmd = con.CreateCommand())
        {
            cmd.CommandText = $"SELECT bit_count(xor(a.original_hash_i64, b.original_hash_i64)), a.original_hash, b.original_hash FROM read_parquet('{path}') a, read_parquet('{path}') b";
            using var r = cmd.ExecuteReader();
            int n = 0;
            while (r.Read())
            {
                ulong x = ulong.Parse(r.GetString(1), NumberStyles.HexNumber, CultureInfo.InvariantCulture) ^ ulong.Parse(r.GetString(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                Assert.Equal(System.Numerics.BitOperations.PopCount(x), Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture));
                n++;
            }
            Assert.Equal(4, n);
        }

        // Our own reader gives the rows back.
        var back = await IndexFile.ReadAsync(OutputTarget.LocalParquet, path, CancellationToken.None);
        Assert.Equal(rows.Select(r => (r.Key, r.OriginalHash, r.PermutationHashes[0], r.LastModified, r.Size, r.Width)),
                     back.Select(r => (r.Key, r.OriginalHash, r.PermutationHashes[0], r.LastModified, r.Size, r.Width)));
    }

    [Fact]
    public async Task Parquet_empty_index_still_has_the_schema()
    {
        using var dir = new TempDir();
        string path = dir["empty.parquet"];
        await IndexFile.WriteAsync(OutputTarget.LocalParquet, path, new IndexSchema([], []), [], CancellationToken.None);
        using var con = new DuckDBConnection("Data Source=:memory:");
        con.Open();
        using var cmd = con.CreateCommand();
        cmd.CommandText = $"SELECT count(*), count(original_hash_i64) FROM read_parquet('{path}')";
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal(0L, Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture));
    }
}
