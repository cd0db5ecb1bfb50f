namespace Veil.Ingest.Enrichment;

/// <summary>The three rule lists of uap-core's <c>regexes.yaml</c>.</summary>
internal enum UapSection
{
    UserAgent,
    Os,
    Device,
}
