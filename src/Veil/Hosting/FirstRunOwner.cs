using Veil.Projects;
using Veil.Security.Access;
using Veil.Security.Accounts;

namespace Veil.Hosting;

/// <summary>
/// First run: an empty data directory gets an owner with a one-time password (printed once, stored only as an Argon2id
/// hash; changing it and enrolling MFA are forced at first sign-in). That owner owns every project without an owner,
/// including projects created later.
/// </summary>
public static class FirstRunOwner
{
    /// <summary>Tests (and scripted demos) may fix the one-time password through this variable instead of reading the banner.</summary>
    public const string PasswordVariable = "VEIL_INITIAL_OWNER_PASSWORD";

    public static InitialOwner? Ensure(AccountService accounts, ProjectDirectory projects, string email)
    {
        InitialOwner? created = null;
        long ownerId;
        if (accounts.Store.CountUsers() == 0)
        {
            var fixedPassword = Environment.GetEnvironmentVariable(PasswordVariable);
            var (owner, password) = accounts.CreateInitialOwner(email, [], string.IsNullOrEmpty(fixedPassword) ? null : fixedPassword);
            created = new InitialOwner(owner.Id, owner.Email, password);
            ownerId = owner.Id;
        }
        else
        {
            var first = accounts.Store.FindUserByEmail(email);
            if (first is null) return null;
            ownerId = first.Id;
        }
        foreach (var project in projects.List()) AdoptIfOwnerless(accounts, ownerId, project.Id);
        projects.Created += project => AdoptIfOwnerless(accounts, ownerId, project.Id);
        return created;
    }

    private static void AdoptIfOwnerless(AccountService accounts, long ownerId, int projectId)
    {
        if (!accounts.Store.ListMembers(projectId).Any(m => m.Role == RoleNames.Format(Role.Owner)))
        {
            accounts.Store.SetMembership(ownerId, projectId, RoleNames.Format(Role.Owner));
        }
    }
}
