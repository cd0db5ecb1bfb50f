namespace Veil.Security.Access;

/// <summary>The wire names of <see cref="Role"/> (lower case).</summary>
public static class RoleNames
{
    public static string Format(Role role) => role.ToString().ToLowerInvariant();

    public static bool TryParse(string? text, out Role role)
    {
        role = default;
        return text is not null && text.Length > 0 && text.All(char.IsAsciiLetterLower) && Enum.TryParse(text, ignoreCase: true, out role);
    }
}
