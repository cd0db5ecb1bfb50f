using System.Globalization;
using System.Text.Json;

namespace Veil.Ingest.Wire;

/// <summary>Mixpanel timestamps: seconds or milliseconds since the epoch, as a number or a numeric string.</summary>
internal static class EpochTime
{
    /// <summary>3000-01-01T00:00:00Z; later values are treated as garbage, not as dates.</summary>
    public const long MaxMs = 32_503_680_000_000;

    /// <summary>1971-01-01T00:00:00Z, the earliest time <c>/import</c> accepts.</summary>
    public const long ImportMinMs = 31_536_000_000;

    // Mixpanel does not document its unit rule; 1e11 seconds is the year 5138, 1e11 ms is 1973.
    private const double MillisecondsThreshold = 1e11;

    internal enum Status
    {
        Ok,
        Missing,
        Invalid,
    }

    /// <summary>Reads a timestamp; on <see cref="Status.Invalid"/>, <paramref name="reason"/> says why.</summary>
    public static Status Read(JsonElement value, out long ms, out string? reason)
    {
        ms = 0;
        reason = null;
        double t;
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined:
            case JsonValueKind.Null:
                return Status.Missing;
            case JsonValueKind.Number:
                // Integers (what SDKs send for ms) parse faster as such, to the same double TryGetDouble would give.
                if (value.TryGetInt64(out var whole))
                {
                    t = whole;
                    break;
                }
                if (!value.TryGetDouble(out t) || !double.IsFinite(t))
                {
                    reason = "is not a finite number";
                    return Status.Invalid;
                }
                break;
            case JsonValueKind.String:
                var text = JsonChecks.TryGetString(value);
                if (text is null || !double.TryParse(text.AsSpan().Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out t) || !double.IsFinite(t))
                {
                    reason = "must be seconds or milliseconds since the epoch";
                    return Status.Invalid;
                }
                break;
            default:
                reason = "must be seconds or milliseconds since the epoch";
                return Status.Invalid;
        }
        if (t < 0)
        {
            reason = "must not be negative";
            return Status.Invalid;
        }
        var rounded = Math.Round(t > MillisecondsThreshold ? t : t * 1000, MidpointRounding.AwayFromZero);
        if (rounded > MaxMs)
        {
            reason = "is after the year 3000";
            return Status.Invalid;
        }
        ms = (long)rounded;
        return Status.Ok;
    }
}
