namespace Veil.Tests;

/// <summary>The checkout the tests run from: the first parent of the test binaries that holds Veil.sln.</summary>
public static class RepositoryRoot
{
    public static string? Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Veil.sln"))) dir = dir.Parent;
        return dir?.FullName;
    }
}
