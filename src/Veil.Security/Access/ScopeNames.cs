namespace Veil.Security.Access;

/// <summary>The wire names of <see cref="CredentialScopes"/> (<c>ingest</c>, <c>import</c>, <c>read:aggregate</c>, …).</summary>
public static class ScopeNames
{
    private static readonly (CredentialScopes Scope, string Name)[] Names =
    [
        (CredentialScopes.Ingest, "ingest"), (CredentialScopes.Import, "import"), (CredentialScopes.ReadAggregate, "read:aggregate"),
        (CredentialScopes.ReadIndividual, "read:individual"), (CredentialScopes.Export, "export"), (CredentialScopes.Admin, "admin"),
    ];

    public static IReadOnlyList<string> All { get; } = [.. Names.Select(n => n.Name)];

    /// <summary>Parses scope names; false (with the offending name) on an unknown one.</summary>
    public static bool TryParse(IEnumerable<string> names, out CredentialScopes scopes, out string? unknown)
    {
        scopes = CredentialScopes.None;
        unknown = null;
        foreach (var raw in names)
        {
            var name = raw.Trim();
            if (name.Length == 0) continue;
            var match = Names.FirstOrDefault(n => n.Name == name);
            if (match.Name is null)
            {
                unknown = name;
                return false;
            }
            scopes |= match.Scope;
        }
        return true;
    }

    /// <summary>Parses stored scope names, ignoring any this version does not know (fail closed).</summary>
    public static CredentialScopes ParseStored(IEnumerable<string> names) =>
        names.Aggregate(CredentialScopes.None, (all, name) => all | Names.FirstOrDefault(n => n.Name == name).Scope);

    public static IReadOnlyList<string> Format(CredentialScopes scopes) => [.. Names.Where(n => scopes.HasFlag(n.Scope)).Select(n => n.Name)];
}
