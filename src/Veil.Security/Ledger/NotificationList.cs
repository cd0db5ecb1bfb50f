using System.Globalization;
using Veil.Core.Privacy;

namespace Veil.Security.Ledger;

/// <summary>
/// Turns an incident's affected pseudonyms into the contact list for notifications. This decrypts vault PII, so it needs a
/// recent step-up, and the lookup is itself recorded on the ledger before the list is returned (nothing is returned if the
/// append fails). The caller checks the owner role; the vault lookup is passed in.
/// </summary>
public static class NotificationList
{
    /// <summary>Looks up one person's contact email in the vault of <paramref name="project"/>.</summary>
    public delegate ValueTask<string?> EmailResolver(int? project, Pseudonym person, CancellationToken cancellationToken);

    /// <summary>The contacts for every affected person in <paramref name="report"/>.</summary>
    /// <param name="ledger">The ledger the lookup is recorded on.</param>
    /// <param name="report">The incident report.</param>
    /// <param name="owner">Who asks (principal, credential, MFA level, step-up age, client IP); must be an owner.</param>
    /// <param name="maxStepUpAge">How recent the step-up must be.</param>
    /// <param name="resolve">The vault lookup.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <exception cref="UnauthorizedAccessException">No MFA, or no step-up within <paramref name="maxStepUpAge"/>.</exception>
    /// <exception cref="LedgerAppendException">The lookup could not be recorded; nothing is returned.</exception>
    public static async Task<IReadOnlyList<NotificationContact>> BuildAsync(AccessLedger ledger, IncidentReport report, AccessRecord owner,
        TimeSpan maxStepUpAge, EmailResolver resolve, CancellationToken cancellationToken = default)
    {
        if (owner.MfaLevel == "none" || owner.StepUpAge is not { } age || age > maxStepUpAge)
        {
            throw new UnauthorizedAccessException($"Contact details need a step-up within the last {maxStepUpAge.TotalMinutes:0} minutes.");
        }
        var contacts = new List<NotificationContact>(report.AffectedPersons.Count);
        var subjects = new List<Pseudonym>(report.AffectedPersons.Count);
        foreach (var person in report.AffectedPersons)
        {
            var pseudonym = new Pseudonym(UInt128.Parse(person.Pseudonym, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            subjects.Add(pseudonym);
            contacts.Add(new NotificationContact(person.Project, person.Pseudonym, await resolve(person.Project, pseudonym, cancellationToken)));
        }
        await ledger.AppendAsync(owner with
        {
            Action = "incident.contacts",
            Query = "notification list for " + report.Scope,
            Fields = [new LedgerField("email", DataClassification.VaultPii)],
            Rows = contacts.Count,
            Subjects = SubjectSet.Of(subjects),
        }, cancellationToken);
        return contacts;
    }
}
