using System.Diagnostics;
using Veil.Core.Events;
using Veil.Storage.DuckDb;
using static Veil.Storage.Tests.TestEvents;

namespace Veil.Storage.Tests;

/// <summary>
/// Entry point of the test assembly when <see cref="StoreProbe"/> starts it as a child process, so the crash
/// and lock tests can kill a real process or hold a file from one. The test runner does not call it.
/// </summary>
public static class Program
{
    public const int Project = 5;
    public const int EventsPerBatch = 500;

    public static int Main(string[] args)
    {
        if (args.Length != 2) return 2;
        var (mode, path) = (args[0], args[1]);
        using var store = DuckDbEventStore.Open(path);
        switch (mode)
        {
            case "hold":
                Console.WriteLine("ready");
                Console.In.ReadLine(); // until the parent closes stdin
                return 0;
            case "crash-at-events-appended":
            case "crash-at-before-commit":
                store.Apply(At(1, UniqueBatch(Project, 1, EventsPerBatch)));
                var point = mode["crash-at-".Length..];
                store.FaultPoint = p =>
                {
                    if (p != point) return;
                    Console.WriteLine("dying");
                    Process.GetCurrentProcess().Kill(); // SIGKILL: no finally blocks, no DuckDB shutdown
                };
                var batch = UniqueBatch(Project, 2, 20_000);
                batch.ProfileUpdates.Add(new ProfileUpdate { ProjectId = Project, Subject = Person(1), Operation = "$set" });
                store.Apply(At(2, batch));
                return 1; // not reached
            case "apply-forever":
                for (var lsn = store.AppliedLsn + 1; ; lsn++)
                {
                    store.Apply(At(lsn, UniqueBatch(Project, lsn, EventsPerBatch)));
                    Console.WriteLine(lsn);
                }
            default:
                return 2;
        }
    }
}
