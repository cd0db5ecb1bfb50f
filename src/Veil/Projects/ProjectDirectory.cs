using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Veil.Core.Privacy;
using Veil.Core.Privacy.Pii;
using Veil.Hosting;
using Veil.Storage.Metadata;

namespace Veil.Projects;

/// <summary>
/// Creates projects and finds them by token, id or credential. Keys are generated here, wrapped by the master key
/// before they are stored, and unwrapped only into memory.
/// </summary>
public sealed class ProjectDirectory
{
    private const string FingerprintSetting = "master_key_fingerprint";
    private readonly IMetadataStore _metadata;
    private readonly MasterKey _masterKey;
    private readonly ConcurrentDictionary<string, ProjectContext?> _byToken = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, ProjectContext?> _byId = new();

    private readonly PiiHitCounter _piiHits;
    private readonly Lock _groupKeyLock = new();

    public ProjectDirectory(IMetadataStore metadata, MasterKey masterKey, PiiHitCounter? piiHits = null)
    {
        _metadata = metadata;
        _piiHits = piiHits ?? new PiiHitCounter();
        _masterKey = masterKey;
        var fingerprint = masterKey.Fingerprint();
        var stored = metadata.GetSetting(FingerprintSetting);
        if (stored is null) metadata.SetSetting(FingerprintSetting, fingerprint);
        else if (stored != fingerprint)
        {
            // Fail loudly: writing with another key would make new pseudonyms that match nothing already stored.
            throw new StartupException($"The master key (fingerprint {fingerprint}) is not the one this data directory was created with " +
                $"(fingerprint {stored}). Use the original key file or VEIL_MASTER_KEY.");
        }
    }

    /// <summary>Raised after a project is created (the running server makes the first-run owner its owner).</summary>
    public event Action<ProjectContext>? Created;

    /// <summary>Creates a project with fresh keys. Returns it with its secret, which is shown once and stored only as a hash.</summary>
    public (ProjectContext Project, string Secret) Create(string name, string? token = null)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A project needs a name.");
        token ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        if (token.Length is < 8 or > 128 || token.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_'))
        {
            throw new ArgumentException("A token is 8–128 characters of letters, digits, '-' or '_'.");
        }
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var pseudonymKey = RandomNumberGenerator.GetBytes(32);
        var kek = RandomNumberGenerator.GetBytes(32);
        var record = _metadata.CreateProject(name, token, HashSecret(secret),
            _masterKey.Wrap(pseudonymKey, Context("pseudonym", token)),
            _masterKey.Wrap(kek, Context("kek", token)));
        CryptographicOperations.ZeroMemory(kek);
        var created = Unwrap(record);
        Created?.Invoke(created);
        return (created, secret);
    }

    public ProjectContext? FindByToken(string token) =>
        _byToken.GetOrAdd(token, t => _metadata.FindProjectByToken(t) is { } r ? Unwrap(r) : null)
        ?? Forget(_byToken, token);

    public ProjectContext? FindById(int id) =>
        _byId.GetOrAdd(id, i => _metadata.FindProject(i) is { } r ? Unwrap(r) : null)
        ?? Forget(_byId, id);

    public IReadOnlyList<ProjectRecord> List() => _metadata.ListProjects();

    /// <summary>Whether <paramref name="secret"/> is the project's API secret.</summary>
    public static bool SecretMatches(ProjectRecord project, string secret) =>
        CryptographicOperations.FixedTimeEquals(project.SecretHash, HashSecret(secret));

    /// <summary>
    /// Creates a service account with the legacy default scopes (<c>import</c> + <c>read:aggregate</c>); returns its secret.
    /// Scoped ones: <see cref="Access.ServiceAccountIssuer"/>. Credentials are checked by <see cref="Access.CredentialAuthenticator"/>.
    /// </summary>
    public string CreateServiceAccount(int projectId, string username)
    {
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        _metadata.CreateServiceAccount(username, HashSecret(secret), projectId);
        return secret;
    }

    /// <summary>
    /// Re-wraps every project's keys under <paramref name="newMasterKey"/> (events are untouched: the keys themselves do
    /// not change, only the key that wraps them). Returns the number of projects re-wrapped.
    /// </summary>
    public int RotateMasterKey(MasterKey newMasterKey)
    {
        var projects = _metadata.ListProjects();
        var rewrapped = new List<(int Id, byte[] Pseudonym, byte[] Kek)>(projects.Count);
        // Unwrap everything first: a wrong current key fails before anything is written.
        foreach (var project in projects)
        {
            var pseudonymKey = _masterKey.Unwrap(project.WrappedPseudonymKey, Context("pseudonym", project.Token));
            var kek = _masterKey.Unwrap(project.WrappedKeyEncryptionKey, Context("kek", project.Token));
            rewrapped.Add((project.Id, newMasterKey.Wrap(pseudonymKey, Context("pseudonym", project.Token)), newMasterKey.Wrap(kek, Context("kek", project.Token))));
            CryptographicOperations.ZeroMemory(pseudonymKey);
            CryptographicOperations.ZeroMemory(kek);
        }
        foreach (var (id, pseudonym, kek) in rewrapped) _metadata.UpdateWrappedKeys(id, pseudonym, kek);
        _metadata.SetSetting(FingerprintSetting, newMasterKey.Fingerprint());
        return rewrapped.Count;
    }

    /// <summary>The project's PII policy as stored (JSON), or null for the default (redact every hit).</summary>
    public string? GetPiiPolicyJson(int projectId) => _metadata.GetSetting(PolicySetting(projectId));

    /// <summary>Stores a validated PII policy; the project's pipeline uses it from the next request on.</summary>
    public bool TrySetPiiPolicy(int projectId, string json, out string? error)
    {
        if (!Veil.Privacy.PiiPolicyDocument.TryParse(json, out _, out error)) return false;
        _metadata.SetSetting(PolicySetting(projectId), json);
        ForgetProject(projectId);
        return true;
    }

    /// <summary>The project's group keys (event properties that name groups, e.g. <c>company</c>).</summary>
    public IReadOnlyList<string> GetGroupKeys(int projectId) => ReadGroupKeys(_metadata, projectId);

    /// <summary>A project's group keys read straight from a metadata store (for offline commands).</summary>
    public static IReadOnlyList<string> ReadGroupKeys(IMetadataStore metadata, int projectId)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var json = metadata.GetSetting(GroupKeysSetting(projectId));
        if (json is null || System.Text.Json.Nodes.JsonNode.Parse(json) is not System.Text.Json.Nodes.JsonArray array) return [];
        return [.. array.Select(item => item?.GetValue<string>()).OfType<string>()];
    }

    /// <summary>
    /// Adds a group key; events ingested from then on have that property's values pseudonymised as group ids. Returns
    /// false if it was already there.
    /// </summary>
    public bool AddGroupKey(int projectId, string groupKey)
    {
        lock (_groupKeyLock)
        {
            var keys = GetGroupKeys(projectId);
            if (keys.Contains(groupKey, StringComparer.Ordinal)) return false;
            var updated = keys.Append(groupKey).Order(StringComparer.Ordinal).ToArray();
            var array = new System.Text.Json.Nodes.JsonArray([.. updated.Select(k => System.Text.Json.Nodes.JsonValue.Create(k))]);
            _metadata.SetSetting(GroupKeysSetting(projectId), array.ToJsonString());
            ForgetProject(projectId);
            return true;
        }
    }

    private static string GroupKeysSetting(int projectId) => $"group_keys:{projectId}";

    private void ForgetProject(int projectId)
    {
        _byId.TryRemove(projectId, out _);
        foreach (var (token, context) in _byToken)
        {
            if (context?.Id == projectId) _byToken.TryRemove(token, out _);
        }
    }

    private PiiPolicy PolicyOf(int projectId)
    {
        var json = GetPiiPolicyJson(projectId);
        // A stored policy was validated when it was set; if it no longer parses, fall back to the strictest default.
        return json is not null && Veil.Privacy.PiiPolicyDocument.TryParse(json, out var policy, out _) ? policy : PiiPolicy.Default;
    }

    private static string PolicySetting(int projectId) => $"pii_policy:{projectId}";

    /// <summary>Secrets are 256 random bits, so one SHA-256 is enough to store them safely.</summary>
    public static byte[] HashSecret(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private ProjectContext Unwrap(ProjectRecord record)
    {
        var key = _masterKey.Unwrap(record.WrappedPseudonymKey, Context("pseudonym", record.Token));
        var kek = _masterKey.Unwrap(record.WrappedKeyEncryptionKey, Context("kek", record.Token));
        var pseudonymKey = new PseudonymKey(key);
        var privacy = new ProjectPrivacy(record.Id, pseudonymKey)
        {
            // Default policy: redact every detector hit ([email], [card], …); per-project policies come with the policy API.
            Scrubber = new PiiJsonScrubber(record.Id, PolicyOf(record.Id), value => pseudonymKey.Compute(value).ToString(), _piiHits),
            GroupKeys = new HashSet<string>(GetGroupKeys(record.Id), StringComparer.Ordinal),
        };
        var vault = new VaultCipher(kek);
        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(kek);
        return new ProjectContext(record, privacy, vault);
    }

    // Not-found results are not cached, so a project created by another process is found on the next request.
    private static ProjectContext? Forget<TKey>(ConcurrentDictionary<TKey, ProjectContext?> cache, TKey key) where TKey : notnull
    {
        cache.TryRemove(key, out _);
        return null;
    }

    private static byte[] Context(string purpose, string token) => Encoding.UTF8.GetBytes($"veil/{purpose}/{token}");

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
