namespace Veil.Load;

/// <summary>Names and limits of <see cref="WireFormat"/>s as the command line spells them.</summary>
internal static class WireFormats
{
    public static readonly string[] Names = ["import", "track-batch", "track-get", "ndjson", "native"];

    public static WireFormat Parse(string name) => name switch
    {
        "import" => WireFormat.Import,
        "track-batch" => WireFormat.TrackBatch,
        "track-get" => WireFormat.TrackGet,
        "ndjson" => WireFormat.Ndjson,
        "native" => WireFormat.Native,
        _ => throw new ArgumentException($"Unknown format '{name}'; expected one of {string.Join(", ", Names)}."),
    };

    public static string Name(this WireFormat format) => Names[(int)format];

    /// <summary>What an SDK of that style sends per request by default.</summary>
    public static int DefaultBatch(this WireFormat format) => format switch
    {
        WireFormat.TrackBatch => 50,
        WireFormat.TrackGet => 1,
        _ => 1000,
    };

    /// <summary>The largest batch the wire format allows.</summary>
    public static int MaxBatch(this WireFormat format) => format switch
    {
        WireFormat.TrackBatch => 2000,
        WireFormat.TrackGet => 1,
        _ => 2000,
    };
}
