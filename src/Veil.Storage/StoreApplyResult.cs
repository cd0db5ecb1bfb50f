namespace Veil.Storage;

/// <summary>What one apply (<see cref="IEventStore.Apply"/> or <see cref="IStoreApply.Commit"/>) wrote.</summary>
/// <param name="EventsStored">Events appended.</param>
/// <param name="DuplicatesSkipped">Events dropped because an event with the same dedup key was already stored
/// (or came earlier in the same call).</param>
/// <param name="ProfileUpdatesStored">Profile updates appended.</param>
public readonly record struct StoreApplyResult(long EventsStored, long DuplicatesSkipped, long ProfileUpdatesStored);
