namespace Veil.Tests;

/// <summary>Tests that start server processes run one class at a time, so the 2-core machine is not oversubscribed.</summary>
[CollectionDefinition("processes", DisableParallelization = true)]
public sealed class ProcessCollection;
