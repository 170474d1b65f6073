using System.Diagnostics;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using Npgsql;
using NpgsqlTypes;

namespace Alert.Cli.Bench;

/// <summary>
/// The peer our in-memory point lookup is measured against: PostGIS answering "which shapes cover this point" with
/// <c>ST_Covers</c> on a GiST index, as a user would set it up. One connection, one prepared statement, one query
/// at a time. The table is the peer's own (a fresh name) and is dropped on dispose.
/// </summary>
public sealed class PostGisPeer : IAsyncDisposable
{
    private const int Batch = 200; // shapes per INSERT: a few MB of WKB at most

    private readonly NpgsqlConnection _connection;
    private readonly string _table;
    private NpgsqlCommand? _query;

    private PostGisPeer(NpgsqlConnection connection, string table)
    {
        _connection = connection;
        _table = table;
    }

    /// <summary>Shapes loaded, GiST index built and statistics gathered: what it took before the first query.</summary>
    public TimeSpan LoadTime { get; private set; }

    public int ShapeCount { get; private set; }

    /// <summary>Queries run and the time they took; the rate is what a benchmark reports.</summary>
    public sealed record Measurement(long Queries, TimeSpan Elapsed)
    {
        public double QueriesPerSecond => Queries / Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Opens one connection, creates a fresh table, loads the shapes as WKB (SRID 4326), builds the GiST index and
    /// analyzes, then prepares the point query. The database needs the postgis extension (ops/infra.sh creates it).
    /// </summary>
    public static async Task<PostGisPeer> LoadAsync(string connectionString, IReadOnlyList<(string Id, Geometry Shape)> shapes,
        CancellationToken ct = default)
    {
        var peer = new PostGisPeer(new NpgsqlConnection(connectionString), "geo_peer_" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            await peer._connection.OpenAsync(ct);
            await peer.LoadShapesAsync(shapes, ct);
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    private async Task LoadShapesAsync(IReadOnlyList<(string Id, Geometry Shape)> shapes, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await ExecuteAsync($"CREATE TABLE {_table} (id text NOT NULL, shape geometry(Geometry, 4326) NOT NULL)", ct);

        var wkb = new WKBWriter(); // plain 2D WKB, little-endian, no SRID: ST_GeomFromWKB sets 4326
        await using (var insert = new NpgsqlCommand(
            $"""
             INSERT INTO {_table} (id, shape)
             SELECT id, ST_GeomFromWKB(wkb, 4326) FROM unnest($1::text[], $2::bytea[]) AS s(id, wkb)
             """, _connection))
        {
            var ids = new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };
            var blobs = new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea };
            insert.Parameters.Add(ids);
            insert.Parameters.Add(blobs);
            foreach (var chunk in shapes.Chunk(Batch))
            {
                ids.Value = chunk.Select(s => s.Id).ToArray();
                blobs.Value = chunk.Select(s => wkb.Write(s.Shape)).ToArray();
                await insert.ExecuteNonQueryAsync(ct);
            }
        }

        await ExecuteAsync($"CREATE INDEX {_table}_shape ON {_table} USING gist (shape)", ct);
        await ExecuteAsync($"ANALYZE {_table}", ct);
        LoadTime = clock.Elapsed;
        ShapeCount = shapes.Count;

        _query = new NpgsqlCommand($"SELECT id FROM {_table} WHERE ST_Covers(shape, ST_SetSRID(ST_MakePoint($1, $2), 4326))", _connection);
        _query.Parameters.Add(new NpgsqlParameter<double> { NpgsqlDbType = NpgsqlDbType.Double }); // longitude (x)
        _query.Parameters.Add(new NpgsqlParameter<double> { NpgsqlDbType = NpgsqlDbType.Double }); // latitude (y)
        await _query.PrepareAsync(ct);
    }

    /// <summary>Queries the points in turn, from the first again when through, until the duration is spent.</summary>
    public Task<Measurement> MeasureAsync(IReadOnlyList<(double Lat, double Lng)> points, TimeSpan duration, CancellationToken ct = default) =>
        RunAsync(points, (_, elapsed) => elapsed < duration, ct);

    /// <summary>Runs exactly <paramref name="count"/> queries over the points in turn.</summary>
    public Task<Measurement> MeasureAsync(IReadOnlyList<(double Lat, double Lng)> points, long count, CancellationToken ct = default) =>
        RunAsync(points, (queries, _) => queries < count, ct);

    private async Task<Measurement> RunAsync(IReadOnlyList<(double Lat, double Lng)> points, Func<long, TimeSpan, bool> more, CancellationToken ct)
    {
        if (points.Count == 0) throw new ArgumentException("no points to query", nameof(points));
        long queries = 0;
        var clock = Stopwatch.StartNew();
        while (more(queries, clock.Elapsed))
        {
            var (lat, lng) = points[(int)(queries % points.Count)];
            await QueryAsync(lat, lng, null, ct);
            queries++;
        }
        return new Measurement(queries, clock.Elapsed);
    }

    /// <summary>For each point, the ids of the shapes covering it, in ordinal order (two or more on a shared line).</summary>
    public async Task<IReadOnlyList<IReadOnlyList<string>>> IdsAtAsync(IReadOnlyList<(double Lat, double Lng)> points, CancellationToken ct = default)
    {
        var found = new List<IReadOnlyList<string>>(points.Count);
        foreach (var (lat, lng) in points)
        {
            var ids = new List<string>();
            await QueryAsync(lat, lng, ids, ct);
            ids.Sort(StringComparer.Ordinal);
            found.Add(ids);
        }
        return found;
    }

    /// <summary>The plan PostgreSQL picks for the point query (a benchmark against a sequential scan would mean little).</summary>
    public async Task<string> ExplainAsync(double lat, double lng, CancellationToken ct = default)
    {
        await using var explain = new NpgsqlCommand($"EXPLAIN {_query!.CommandText}", _connection)
        {
            Parameters = { new NpgsqlParameter<double> { TypedValue = lng }, new NpgsqlParameter<double> { TypedValue = lat } },
        };
        var lines = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) lines.Add(reader.GetString(0));
        return string.Join('\n', lines);
    }

    /// <summary>One point query; every row is read (into <paramref name="ids"/> when given), as a caller would.</summary>
    private async Task QueryAsync(double lat, double lng, List<string>? ids, CancellationToken ct)
    {
        var query = _query!;
        ((NpgsqlParameter<double>)query.Parameters[0]).TypedValue = lng;
        ((NpgsqlParameter<double>)query.Parameters[1]).TypedValue = lat;
        await using var reader = await query.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetString(0);
            ids?.Add(id);
        }
    }

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, _connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_query is not null) await _query.DisposeAsync();
        try
        {
            // A connection that never opened, or broke, has nothing to drop or cannot: its error is the one to see.
            if (_connection.State == System.Data.ConnectionState.Open)
                await ExecuteAsync($"DROP TABLE IF EXISTS {_table}", CancellationToken.None);
        }
        finally
        {
            await _connection.DisposeAsync();
        }
    }
}
