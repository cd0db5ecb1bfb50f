namespace Veil.Storage;

/// <summary>The store's files are held by another process (or already open in this one).</summary>
public sealed class StoreInUseException : IOException
{
    public StoreInUseException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
