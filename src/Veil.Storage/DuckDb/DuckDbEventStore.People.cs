using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Veil.Core.Events;
using Veil.Core.Privacy;

namespace Veil.Storage.DuckDb;

// Reads of one person or group: the profile API's lookups and timelines.
public sealed partial class DuckDbEventStore
{
    /// <inheritdoc />
    public PersonRecord? FindPerson(int projectId, Pseudonym id)
    {
        using var connection = OpenReader();
        var person = id;
        var identified = false;
        using (var command = DuckDbCommands.Create(connection, "SELECT person FROM identity_map WHERE project_id = $project AND member = $id",
                   ("project", projectId), ("id", id.ToGuid())))
        {
            if (command.ExecuteScalar() is Guid resolved) person = Pseudonym.FromGuid(resolved);
        }
        var ids = new List<Pseudonym> { person };
        using (var command = DuckDbCommands.Create(connection, "SELECT member FROM identity_map WHERE project_id = $project AND person = $person ORDER BY lsn, member",
                   ("project", projectId), ("person", person.ToGuid())))
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var member = Pseudonym.FromGuid(reader.GetGuid(0));
                if (member == person) identified = true;
                else ids.Add(member);
            }
        }
        string? properties = null;
        DateTime? createdAt = null, lastSeen = null;
        using (var command = DuckDbCommands.Create(connection, "SELECT properties, created_at, last_seen FROM profiles WHERE project_id = $project AND person = $person",
                   ("project", projectId), ("person", person.ToGuid())))
        {
            using var reader = command.ExecuteReader();
            if (reader.Read())
            {
                properties = reader.GetString(0);
                createdAt = reader.GetDateTime(1);
                lastSeen = reader.IsDBNull(2) ? null : reader.GetDateTime(2);
            }
        }
        long events;
        using (var command = DuckDbCommands.Create(connection, "", ("project", projectId)))
        {
            command.CommandText = $"SELECT count(*) FROM events WHERE project_id = $project AND distinct_id IN ({IdList(command, ids)})";
            events = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        if (events == 0 && properties is null && ids.Count == 1 && !identified) return null;
        return new PersonRecord(person, ids, identified, properties, createdAt, lastSeen, events);
    }

    /// <inheritdoc />
    public IReadOnlyList<StoredEvent> ReadTimeline(int projectId, IReadOnlyList<Pseudonym> ids, TimelineCursor? after, int limit)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (ids.Count == 0) return [];
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        var sql = new StringBuilder("""
            SELECT event, epoch_ms(time), insert_id, distinct_id, device_id, user_id, session_id, country, region, city,
                   browser, browser_version, os, os_version, device_type, lib, lib_version, url, referrer_host, screen,
                   CAST(properties AS VARCHAR), epoch_ms(ingested_at)
            FROM events WHERE project_id = $project
            """);
        sql.Append(" AND distinct_id IN (").Append(IdList(command, ids)).Append(')');
        if (after is { } cursor)
        {
            sql.Append(" AND (time < $time OR (time = $time AND insert_id < $insert))");
            command.Parameters.Add(new DuckDBParameter("time", DateTime.UnixEpoch.AddTicks(cursor.TimeMs * TimeSpan.TicksPerMillisecond)));
            command.Parameters.Add(new DuckDBParameter("insert", cursor.InsertId));
        }
        sql.Append(" ORDER BY time DESC, insert_id DESC LIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
        command.CommandText = sql.ToString();
        command.Parameters.Add(new DuckDBParameter("project", projectId));
        using var reader = command.ExecuteReader();
        var events = new List<StoredEvent>();
        while (reader.Read())
        {
            events.Add(new StoredEvent
            {
                ProjectId = projectId,
                Name = reader.GetString(0),
                TimeMs = reader.GetInt64(1),
                InsertId = reader.GetString(2),
                DistinctId = OptionalPseudonym(reader, 3),
                DeviceId = OptionalPseudonym(reader, 4),
                UserId = OptionalPseudonym(reader, 5),
                SessionId = OptionalPseudonym(reader, 6),
                Country = OptionalString(reader, 7),
                Region = OptionalString(reader, 8),
                City = OptionalString(reader, 9),
                Browser = OptionalString(reader, 10),
                BrowserVersion = reader.IsDBNull(11) ? null : reader.GetInt32(11),
                Os = OptionalString(reader, 12),
                OsVersion = OptionalString(reader, 13),
                DeviceType = OptionalString(reader, 14),
                Lib = OptionalString(reader, 15),
                LibVersion = OptionalString(reader, 16),
                Url = OptionalString(reader, 17),
                ReferrerHost = OptionalString(reader, 18),
                Screen = OptionalString(reader, 19),
                PropertiesJson = reader.GetString(20),
                IngestedAtMs = reader.GetInt64(21),
            });
        }
        return events;
    }

    /// <inheritdoc />
    public GroupProfileRecord? FindGroupProfile(int projectId, string groupKey, Pseudonym groupId)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupKey);
        using var connection = OpenReader();
        // Events name their groups in a property called after the group key, holding one group id or a list of them.
        using var command = DuckDbCommands.Create(connection, """
            SELECT g.properties, g.created_at, g.last_seen,
                   (SELECT count(*) FROM events e
                    WHERE e.project_id = $project
                      AND (json_extract_string(e.properties, $path) = $hex
                           OR list_contains(json_extract_string(e.properties, $path || '[*]'), $hex)))
            FROM group_profiles g
            WHERE g.project_id = $project AND g.group_key = $key AND g.group_id = $id
            """,
            ("project", projectId), ("key", groupKey), ("id", groupId.ToGuid()), ("hex", groupId.ToString()), ("path", JsonPathOf(groupKey)));
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        return new GroupProfileRecord(groupKey, groupId, reader.GetString(0), reader.GetDateTime(1),
            reader.IsDBNull(2) ? null : reader.GetDateTime(2), Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture));
    }

    /// <summary>A JSON path naming one top-level property, quoted so no character in the name is read as path syntax.</summary>
    internal static string JsonPathOf(string property) =>
        "$.\"" + property.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string IdList(DuckDBCommand command, IReadOnlyList<Pseudonym> ids)
    {
        var names = new StringBuilder();
        for (var i = 0; i < ids.Count; i++)
        {
            var name = "id" + i.ToString(CultureInfo.InvariantCulture);
            if (i > 0) names.Append(", ");
            names.Append('$').Append(name);
            command.Parameters.Add(new DuckDBParameter(name, ids[i].ToGuid()));
        }
        return names.ToString();
    }

    private static Pseudonym? OptionalPseudonym(System.Data.Common.DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Pseudonym.FromGuid(reader.GetGuid(ordinal));

    private static string? OptionalString(System.Data.Common.DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
