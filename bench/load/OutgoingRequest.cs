namespace Veil.Load;

/// <summary>What one send puts on the wire: the prepared request itself, or a re-marked copy on later passes.</summary>
/// <param name="Uri">Request address.</param>
/// <param name="Body">Body buffer (may be longer than <paramref name="BodyLength"/> when rented), or null for GET.</param>
/// <param name="BodyLength">Bytes of <paramref name="Body"/> to send.</param>
/// <param name="Rented">Whether <paramref name="Body"/> came from the shared array pool.</param>
internal readonly record struct OutgoingRequest(Uri Uri, byte[]? Body, int BodyLength, bool Rented);
