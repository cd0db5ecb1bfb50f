using System.Reflection;

namespace Veil.Security.Passwords;

/// <summary>
/// NIST SP 800-63B rules: at least 12 characters (up to 256), not a common or breached password (a shipped list of 30,000,
/// also matched with digits/symbols stripped from the ends and common letter substitutions undone), not one repeated
/// character or a keyboard/number run, not built from the person's email or the product name. No composition rules.
/// </summary>
public static class PasswordRules
{
    public const int MinimumLength = 12;
    public const int MaximumLength = 256;

    private static readonly Lazy<HashSet<string>> Blocklist = new(Load);
    private static readonly string[] Runs = ["0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc"];

    /// <summary>Why <paramref name="password"/> is refused, or null if it is acceptable.</summary>
    public static string? Check(string password, string? email = null)
    {
        // Length counts Unicode code points (NIST), not UTF-16 units.
        var length = password.EnumerateRunes().Count();
        if (length < MinimumLength) return $"A password needs at least {MinimumLength} characters (it has {length}). A few unrelated words make a good one.";
        if (length > MaximumLength) return $"A password has at most {MaximumLength} characters.";
        var lower = password.ToLowerInvariant();
        if (lower.Distinct().Count() <= 2) return "This password repeats one or two characters; choose something less predictable.";
        if (Runs.Any(run => IsRunOf(lower, run))) return "This password is a keyboard or number sequence; choose something less predictable.";
        foreach (var candidate in Variants(lower))
        {
            if (candidate.Length >= 4 && Blocklist.Value.Contains(candidate)) return "This password is on the list of common or breached passwords; choose another.";
        }
        var context = new List<string> { "veil" };
        if (email is not null)
        {
            var local = email.Split('@')[0].ToLowerInvariant();
            if (local.Length >= 4) context.Add(local);
        }
        foreach (var candidate in Variants(lower))
        {
            if (context.Contains(candidate)) return "This password is built from your email or the product's name; choose another.";
        }
        return null;
    }

    /// <summary>The password, and with digits and symbols trimmed from its ends and leetspeak undone (password123!, p@ssw0rd).</summary>
    private static IEnumerable<string> Variants(string lower)
    {
        yield return lower;
        var trimmed = lower.Trim("0123456789!@#$%^&*()-_=+.,?~ ".ToCharArray());
        yield return trimmed;
        var unleet = lower.Replace('@', 'a').Replace('4', 'a').Replace('3', 'e').Replace('1', 'i').Replace('0', 'o').Replace('$', 's').Replace('5', 's').Replace('7', 't');
        yield return unleet;
        yield return trimmed.Replace('@', 'a').Replace('4', 'a').Replace('3', 'e').Replace('1', 'i').Replace('0', 'o').Replace('$', 's').Replace('5', 's').Replace('7', 't');
        // A common password typed twice or more (passwordpassword).
        for (var size = 4; size <= lower.Length / 2; size++)
        {
            if (lower.Length % size == 0 && Enumerable.Range(0, lower.Length / size).All(i => lower.AsSpan(i * size, size).SequenceEqual(lower.AsSpan(0, size))))
            {
                yield return lower[..size];
            }
        }
    }

    private static bool IsRunOf(string lower, string run) =>
        run.Contains(lower, StringComparison.Ordinal) || new string(run.Reverse().ToArray()).Contains(lower, StringComparison.Ordinal)
        || (lower.Length <= run.Length * 2 && (run + run).Contains(lower, StringComparison.Ordinal));

    private static HashSet<string> Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Veil.Security.common-passwords.txt")
            ?? throw new InvalidOperationException("The common-password list is missing from the build.");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#') set.Add(line.ToLowerInvariant());
        }
        return set;
    }
}
