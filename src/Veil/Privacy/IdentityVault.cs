using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Veil.Core.Privacy;
using Veil.Projects;
using Veil.Storage.Metadata;

namespace Veil.Privacy;

/// <summary>
/// The only place profile PII lives: one encrypted JSON object per person, sealed with that person's data key.
/// Writes are durable before the request that made them is acknowledged. Erasing a person destroys their data key.
/// </summary>
public sealed class IdentityVault(IMetadataStore metadata)
{
    private readonly Lock _gate = new();

    /// <summary>Applies a profile operation's PII part (<c>$set</c>, <c>$set_once</c>, <c>$unset</c>, <c>$delete</c>) to a person's vault entry.</summary>
    /// <param name="project">The project.</param>
    /// <param name="subject">The person's pseudonym.</param>
    /// <param name="operation">The profile operator.</param>
    /// <param name="fields">For <c>$set</c>/<c>$set_once</c>: the PII properties; for <c>$unset</c>: their names.</param>
    public void Apply(ProjectContext project, Pseudonym subject, string operation, IReadOnlyList<KeyValuePair<string, JsonNode?>> fields)
    {
        if (operation == "$delete")
        {
            Erase(project, subject);
            return;
        }
        if (fields.Count == 0) return;
        lock (_gate)
        {
            var key = SubjectBytes(subject);
            var existing = metadata.FindVaultRecord(project.Id, key);
            byte[] dataKey;
            byte[] wrapped;
            JsonObject current;
            if (existing is null)
            {
                if (operation == "$unset") return;
                (dataKey, wrapped) = project.Vault.NewDataKey(subject);
                current = [];
            }
            else
            {
                wrapped = existing.WrappedDataKey;
                dataKey = project.Vault.UnwrapDataKey(subject, wrapped);
                current = JsonNode.Parse(VaultCipher.OpenFields(dataKey, subject, existing.Ciphertext))!.AsObject();
            }
            try
            {
                foreach (var (name, value) in fields)
                {
                    switch (operation)
                    {
                        case "$set": current[name] = value?.DeepClone(); break;
                        case "$set_once": if (!current.ContainsKey(name)) current[name] = value?.DeepClone(); break;
                        case "$unset": current.Remove(name); break;
                        default: break;
                    }
                }
                metadata.PutVaultRecord(new VaultRecord(project.Id, key, wrapped, VaultCipher.SealFields(dataKey, subject, current.ToJsonString()), DateTimeOffset.UtcNow));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(dataKey);
            }
        }
    }

    /// <summary>Decrypts a person's vault entry for an authorised read (callers record the read on the ledger).</summary>
    public JsonObject? Read(ProjectContext project, Pseudonym subject)
    {
        var existing = metadata.FindVaultRecord(project.Id, SubjectBytes(subject));
        if (existing is null) return null;
        var dataKey = project.Vault.UnwrapDataKey(subject, existing.WrappedDataKey);
        try
        {
            return JsonNode.Parse(VaultCipher.OpenFields(dataKey, subject, existing.Ciphertext))!.AsObject();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Crypto-shredding: the wrapped data key is deleted with the entry, so no copy of the PII can be opened again.</summary>
    public bool Erase(ProjectContext project, Pseudonym subject)
    {
        lock (_gate)
        {
            return metadata.DeleteVaultRecord(project.Id, SubjectBytes(subject));
        }
    }

    public long Count(ProjectContext project) => metadata.CountVaultRecords(project.Id);

    private static byte[] SubjectBytes(Pseudonym subject)
    {
        var bytes = new byte[16];
        subject.WriteBytes(bytes);
        return bytes;
    }
}
