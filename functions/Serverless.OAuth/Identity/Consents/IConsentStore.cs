using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Identity.Consents;

/// <summary>Remembered consents and the grant families issued under them, one partition per user; see <see cref="ConsentStore"/>.</summary>
public interface IConsentStore
{
    Task<Consent?> FindAsync(string subject, string clientId, CancellationToken cancellationToken);

    /// <summary>Every live consent of the user, for the account page.</summary>
    Task<IReadOnlyList<Consent>> ListAsync(string subject, CancellationToken cancellationToken);

    /// <summary>Records a family issued to the client for the user and, when the user was just asked, what they allowed.</summary>
    Task RecordAsync(string subject, string clientId, string familyId, ScopeSet? allowedNow, Consent? previous, CancellationToken cancellationToken);

    /// <summary>The families issued to the client for the user that could still be in use.</summary>
    Task<IReadOnlyList<ConsentFamilyEntity>> FamiliesAsync(string subject, string clientId, CancellationToken cancellationToken);

    /// <summary>Deletes a row; one already gone is as deleted as asked.</summary>
    Task DeleteAsync(string subject, string rowKey, CancellationToken cancellationToken);
}
