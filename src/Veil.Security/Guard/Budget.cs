namespace Veil.Security.Guard;

/// <summary>Limits for one credential or one principal.</summary>
/// <param name="PersonsPerHour">Distinct persons exposed in any 60 minutes.</param>
/// <param name="PersonsPerDay">Distinct persons exposed in any 24 hours.</param>
/// <param name="RowsPerHour">Rows returned in any 60 minutes.</param>
public sealed record Budget(int PersonsPerHour, int PersonsPerDay, long RowsPerHour);
