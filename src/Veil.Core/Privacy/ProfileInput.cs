using System.Text.Json;
using Veil.Core.Events;

namespace Veil.Core.Privacy;

/// <summary>A validated profile operation as a wire adapter hands it to the pipeline (still raw).</summary>
/// <param name="Kind">User or group profile.</param>
/// <param name="GroupKey">The group key for group profiles (e.g. <c>company</c>).</param>
/// <param name="SubjectId">The raw distinct id, or the raw group id.</param>
/// <param name="Operation">The operator, e.g. <c>$set</c>.</param>
/// <param name="Value">The operator's value.</param>
/// <param name="TimeMs">Operation time, ms since epoch.</param>
/// <param name="IgnoreTime">Mixpanel's <c>$ignore_time</c>.</param>
/// <param name="IgnoreAlias">Mixpanel's <c>$ignore_alias</c>: the update is for exactly this id, not its merged person.</param>
public readonly record struct ProfileInput(ProfileKind Kind, string? GroupKey, string SubjectId, string Operation, JsonElement Value, long TimeMs, bool IgnoreTime, bool IgnoreAlias = false);
