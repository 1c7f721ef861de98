using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Clients.Registration;

/// <summary>
/// The client a request names: a registered one by its id, or, when the id is an https URL, the one its Client ID
/// Metadata Document describes. /authorize and client authentication look clients up here, and nowhere else.
/// </summary>
public sealed class ClientDirectory(IClientStore registered, ClientMetadataDocuments documents)
{
    public async Task<OAuthResult<OAuthClient>> FindAsync(string clientId, CancellationToken cancellationToken) =>
        ClientMetadataDocuments.IsDocumentUrl(clientId)
            ? await documents.FindAsync(clientId, cancellationToken)
            : await registered.FindAsync(clientId, cancellationToken) is { } client
                ? client
                : OAuthError.InvalidClient("The client is not registered with this server.");
}
