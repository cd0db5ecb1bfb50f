namespace Veil.Query.Model;

/// <summary>How a funnel's steps must be ordered (docs/queries.md, Funnels).</summary>
public enum FunnelOrder
{
    /// <summary>Loose sequential: each step after the previous one, other events allowed in between.</summary>
    Sequential,

    /// <summary>Steps after the entry in any order: each takes the earliest unused matching event after the entry.</summary>
    Any,

    /// <summary>Strict sequential: each step is the person's very next event after the previous step.</summary>
    Strict,
}
