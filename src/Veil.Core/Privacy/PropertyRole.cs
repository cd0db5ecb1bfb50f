namespace Veil.Core.Privacy;

/// <summary>What the pipeline does with a well-known property name.</summary>
internal enum PropertyRole
{
    /// <summary>Kept as a free property.</summary>
    Keep,
    /// <summary>Read into a typed column (or consumed) and removed from the free properties.</summary>
    Column,
    /// <summary>An identifier: replaced by its pseudonym.</summary>
    Identifier,
    /// <summary>A URL: cut to scheme, host and path.</summary>
    Url,
    /// <summary>A referrer URL: cut to its host.</summary>
    Host,
    /// <summary>Fingerprinting or tracking detail: dropped.</summary>
    Drop,
}
