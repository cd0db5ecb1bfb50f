namespace Veil.Fuzz;

/// <summary>A parser answered in a way the fuzzer's invariants forbid (not a crash, but wrong).</summary>
public sealed class FuzzFailureException(string message) : Exception(message);
