using System.Text.Json;

namespace Veil.Ingest.Wire;

/// <summary>A user (<c>/engage</c>) or group (<c>/groups</c>) profile update that passed validation.</summary>
public sealed record MixpanelProfileOperation
{
    /// <summary>Position in the request, from 0.</summary>
    public required int Index { get; init; }

    /// <summary><c>$token</c>: the project token.</summary>
    public required string Token { get; init; }

    /// <summary><c>$distinct_id</c> for user profiles (numbers as their JSON text); null for groups.</summary>
    public string? DistinctId { get; init; }

    /// <summary><c>$group_key</c> for group profiles, e.g. <c>company</c>; null for users.</summary>
    public string? GroupKey { get; init; }

    /// <summary><c>$group_id</c> for group profiles (numbers as their JSON text); null for users.</summary>
    public string? GroupId { get; init; }

    /// <summary>The operator: <c>$set</c>, <c>$set_once</c>, <c>$add</c>, <c>$append</c>, <c>$union</c>, <c>$remove</c>, <c>$unset</c> or <c>$delete</c>.</summary>
    public required string Operation { get; init; }

    /// <summary>The operator's value (object; array of names for <c>$unset</c>; anything for <c>$delete</c>). Valid until the decode result is disposed.</summary>
    public required JsonElement Value { get; init; }

    /// <summary><c>$ignore_time</c>: do not bump <c>$last_seen</c>.</summary>
    public bool IgnoreTime { get; init; }

    /// <summary><c>$time</c> in milliseconds since the epoch, when sent.</summary>
    public long? TimeMs { get; init; }

    /// <summary><c>$ip</c> as sent (an address, or <c>0</c> meaning "do not geolocate").</summary>
    public string? Ip { get; init; }

    /// <summary><c>$latitude</c>, when sent.</summary>
    public double? Latitude { get; init; }

    /// <summary><c>$longitude</c>, when sent.</summary>
    public double? Longitude { get; init; }

    /// <summary><c>$ignore_alias</c>: apply to this exact id without alias resolution.</summary>
    public bool IgnoreAlias { get; init; }
}
