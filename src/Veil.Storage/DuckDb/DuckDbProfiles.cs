using System.Text.Json.Nodes;
using DuckDB.NET.Data;
using Veil.Core.Events;
using Veil.Core.Identity;
using Veil.Core.Privacy;
using Veil.Core.Profiles;

namespace Veil.Storage.DuckDb;

/// <summary>
/// Applies profile updates to the current-state tables (<c>profiles</c> for people, <c>group_profiles</c> for groups)
/// inside the batch's transaction: the touched rows are read, changed in memory in arrival order, and replaced.
/// A person's updates land on the person the identity map resolves their distinct id to at that moment.
/// </summary>
internal sealed class DuckDbProfiles(DuckDBConnection writer)
{
    private readonly DuckDBConnection _writer = writer;
    private readonly List<(long Lsn, ProfileUpdate Update, ProfileKey Key)> _pending = [];

    /// <summary>Queues an update (call in arrival order), resolving a person through <paramref name="identities"/> now.</summary>
    public void Add(long lsn, ProfileUpdate update, IdentityGraph identities)
    {
        var key = update.Kind == ProfileKind.Group
            ? new ProfileKey(update.ProjectId, update.GroupKey ?? "", update.Subject)
            : new ProfileKey(update.ProjectId, null, update.IgnoreAlias ? update.Subject : identities.Resolve(update.ProjectId, update.Subject));
        _pending.Add((lsn, update, key));
    }

    /// <summary>Drops the queued updates (their batch failed).</summary>
    public void Discard() => _pending.Clear();

    /// <summary>Applies the queued updates and clears the queue.</summary>
    public void Flush()
    {
        if (_pending.Count == 0) return;
        try
        {
            var states = Load(_pending.Select(p => p.Key).Distinct().ToList());
            foreach (var (lsn, update, key) in _pending)
            {
                var state = states[key];
                var time = ToTimestamp(update.TimeMs);
                var before = state.Properties;
                state.Properties = ProfileOperations.Apply(state.Properties, update.Operation, update.ValueJson);
                if (state.Properties is null)
                {
                    state.CreatedAt = null;
                    state.LastSeen = null;
                    continue;
                }
                if (before is null || state.CreatedAt is null) state.CreatedAt = time;
                if (!update.IgnoreTime && (state.LastSeen is null || time > state.LastSeen)) state.LastSeen = time;
                state.Lsn = lsn;
            }
            Save(states);
        }
        finally
        {
            _pending.Clear();
        }
    }

    private Dictionary<ProfileKey, ProfileState> Load(List<ProfileKey> keys)
    {
        var states = keys.ToDictionary(k => k, _ => new ProfileState());
        TouchedIds.Fill(_writer, keys.Select(k => (k.ProjectId, k.Subject, k.GroupKey)));
        using var command = _writer.CreateCommand();
        command.CommandText = """
            SELECT p.project_id, NULL, p.person, p.properties, p.created_at, p.last_seen
            FROM profiles p JOIN touched_ids t ON p.project_id = t.project_id AND p.person = t.id AND t.group_key IS NULL
            UNION ALL
            SELECT g.project_id, g.group_key, g.group_id, g.properties, g.created_at, g.last_seen
            FROM group_profiles g JOIN touched_ids t ON g.project_id = t.project_id AND g.group_id = t.id AND g.group_key = t.group_key
            """;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var key = new ProfileKey(reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1), Pseudonym.FromGuid(reader.GetGuid(2)));
            var state = states[key];
            state.Properties = JsonNode.Parse(reader.GetString(3)) as JsonObject ?? [];
            state.CreatedAt = reader.GetDateTime(4);
            state.LastSeen = reader.IsDBNull(5) ? null : reader.GetDateTime(5);
        }
        return states;
    }

    private void Save(Dictionary<ProfileKey, ProfileState> states)
    {
        // touched_ids still lists exactly these keys (filled by Load).
        DuckDbCommands.Execute(_writer, """
            DELETE FROM profiles USING touched_ids t
            WHERE t.group_key IS NULL AND profiles.project_id = t.project_id AND profiles.person = t.id
            """);
        DuckDbCommands.Execute(_writer, """
            DELETE FROM group_profiles USING touched_ids t
            WHERE group_profiles.project_id = t.project_id AND group_profiles.group_id = t.id AND group_profiles.group_key = t.group_key
            """);
        using (var people = _writer.CreateAppender("profiles"))
        using (var groups = _writer.CreateAppender("group_profiles"))
        {
            foreach (var (key, state) in states)
            {
                if (state.Properties is null) continue;
                var json = state.Properties.ToJsonString();
                if (key.GroupKey is null)
                {
                    people.CreateRow()
                        .AppendValue((int?)key.ProjectId)
                        .AppendValue((Guid?)key.Subject.ToGuid())
                        .AppendValue(json)
                        .AppendValue(state.CreatedAt)
                        .AppendValue(state.LastSeen)
                        .AppendValue((long?)state.Lsn)
                        .EndRow();
                }
                else
                {
                    groups.CreateRow()
                        .AppendValue((int?)key.ProjectId)
                        .AppendValue(key.GroupKey)
                        .AppendValue((Guid?)key.Subject.ToGuid())
                        .AppendValue(json)
                        .AppendValue(state.CreatedAt)
                        .AppendValue(state.LastSeen)
                        .AppendValue((long?)state.Lsn)
                        .EndRow();
                }
            }
        }
        TouchedIds.Clear(_writer);
    }

    private static DateTime ToTimestamp(long unixMs) =>
        DateTime.UnixEpoch.AddTicks(Math.Clamp(unixMs, 0, 253_402_300_799_000) * TimeSpan.TicksPerMillisecond);

    private readonly record struct ProfileKey(int ProjectId, string? GroupKey, Pseudonym Subject);

    private sealed class ProfileState
    {
        public JsonObject? Properties { get; set; }
        public DateTime? CreatedAt { get; set; }
        public DateTime? LastSeen { get; set; }
        public long Lsn { get; set; }
    }
}
