namespace Veil.Core.Privacy;

/// <summary>What the pipeline does with a well-known property name.</summary>
internal enum PropertyRole
{
    /// <summary>Kept as a free property.</summary>
    Keep,
    /// <summary>Fingerprinting or tracking detail: dropped.</summary>
    Drop,
    /// <summary>An identifier: replaced by its pseudonym.</summary>
    Identifier,
    /// <summary>A referrer URL: cut to its host.</summary>
    Host,
    /// <summary>Read elsewhere (token, time, distinct id, insert id) and removed.</summary>
    Consumed,
    // The rest are read into a typed column of the stored event and removed from the free properties.
    DeviceId,
    UserId,
    SessionId,
    Browser,
    BrowserVersion,
    Os,
    OsVersion,
    Device,
    Lib,
    LibVersion,
    CurrentUrl,
    Referrer,
    ReferringDomain,
    ScreenWidth,
    ScreenHeight,
    Ip,
    CountryCode,
    Region,
    City,
}
