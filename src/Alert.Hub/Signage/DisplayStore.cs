using Alert.Hub.Storage;
using Dapper;

namespace Alert.Hub.Signage;

public sealed record Point(double Lat, double Lng);

/// <summary>What a display shows while nothing is in force: the operator's page (full screen) or, without one, a message.</summary>
public sealed record Peacetime(string? Url, string? Message);

/// <summary>A registered signage display: where it stands, from which level it switches to disaster mode, what it shows otherwise.</summary>
public sealed record Display(string Id, string Name, Point Location, int MinLevel, Peacetime Peacetime, IReadOnlyList<string> Languages, string Status)
{
    /// <summary>The subscriber identity that may read and change it besides admins.</summary>
    public string? OwnerId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

public sealed class DisplayStore(Db db)
{
    /// <summary>Adds a display; false when one with its id exists (it is left as it is).</summary>
    public async Task<bool> AddAsync(Display display)
    {
        await using var connection = await db.OpenAsync();
        return await connection.ExecuteAsync("""
            INSERT INTO displays (id, name, lat, lng, min_level, peacetime_url, peacetime_message, languages, status, owner_id, created_at, updated_at)
            VALUES (@Id, @Name, @Lat, @Lng, @MinLevel, @Url, @Message, @languages, @Status, @OwnerId, @CreatedAt, @UpdatedAt)
            ON CONFLICT (id) DO NOTHING
            """, Parameters(display)) > 0;
    }

    /// <summary>Replaces an existing display; false when there is none (one deleted meanwhile stays deleted).</summary>
    public async Task<bool> UpdateAsync(Display display)
    {
        await using var connection = await db.OpenAsync();
        return await connection.ExecuteAsync("""
            UPDATE displays SET name = @Name, lat = @Lat, lng = @Lng, min_level = @MinLevel, peacetime_url = @Url,
                peacetime_message = @Message, languages = @languages, status = @Status, owner_id = @OwnerId, updated_at = @UpdatedAt
            WHERE id = @Id
            """, Parameters(display)) > 0;
    }

    private static object Parameters(Display d) => new
    {
        d.Id, d.Name, d.Location.Lat, d.Location.Lng, d.MinLevel, d.Peacetime.Url, d.Peacetime.Message,
        languages = string.Join(' ', d.Languages), d.Status, d.OwnerId, d.CreatedAt, d.UpdatedAt,
    };

    public async Task<bool> DeleteAsync(string id)
    {
        await using var connection = await db.OpenAsync();
        return await connection.ExecuteAsync("DELETE FROM displays WHERE id = @id", new { id }) > 0;
    }

    private const string Select = """
        SELECT id, name, lat, lng, min_level AS minlevel, peacetime_url AS peacetimeurl, peacetime_message AS peacetimemessage,
               languages, status, owner_id AS ownerid, created_at AS createdat, updated_at AS updatedat
        FROM displays
        """;

    public async Task<IReadOnlyList<Display>> ListAsync()
    {
        await using var connection = await db.OpenAsync();
        return (await connection.QueryAsync<Row>($"{Select} ORDER BY created_at, id")).Select(r => r.ToDisplay()).ToList();
    }

    public async Task<Display?> FindAsync(string id)
    {
        await using var connection = await db.OpenAsync();
        return (await connection.QueryAsync<Row>($"{Select} WHERE id = @id", new { id })).Select(r => r.ToDisplay()).FirstOrDefault();
    }

    private sealed record Row
    {
        public required string Id { get; init; }
        public required string Name { get; init; }
        public double Lat { get; init; }
        public double Lng { get; init; }
        public int MinLevel { get; init; }
        public string? PeacetimeUrl { get; init; }
        public string? PeacetimeMessage { get; init; }
        public required string Languages { get; init; }
        public required string Status { get; init; }
        public string? OwnerId { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset UpdatedAt { get; init; }

        public Display ToDisplay() => new(Id, Name, new Point(Lat, Lng), MinLevel, new Peacetime(PeacetimeUrl, PeacetimeMessage),
            Languages.Split(' ', StringSplitOptions.RemoveEmptyEntries), Status)
        {
            OwnerId = OwnerId, CreatedAt = CreatedAt, UpdatedAt = UpdatedAt,
        };
    }
}
