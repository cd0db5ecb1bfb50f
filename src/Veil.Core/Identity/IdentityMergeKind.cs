namespace Veil.Core.Identity;

/// <summary>Why two distinct ids are joined into one person.</summary>
public enum IdentityMergeKind : byte
{
    /// <summary>Simplified ID merge: an event carried both <c>$device_id</c> and <c>$user_id</c>.</summary>
    DeviceToUser = 0,

    /// <summary>An <c>$identify</c> event: the anonymous id joins the identified one.</summary>
    Identify = 1,

    /// <summary>A <c>$create_alias</c> event: the alias points at the distinct id.</summary>
    Alias = 2,

    /// <summary>A <c>$merge</c> event: any two ids join.</summary>
    Merge = 3,
}
