using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Infrastructure.Signing.KeyVault;

/// <summary>
/// Key Vault's challenge protocol on top of Azure.Core's bearer token policy (which keeps the token cache and refresh):
/// the first request goes without body or token, the vault answers 401 with
/// <c>WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/{tenant}", resource="https://vault.azure.net"</c>,
/// and from then on every request carries a token for that resource and tenant. Learning the tenant from the vault is
/// what lets one credential reach a vault in another tenant, and the resource is what makes sovereign clouds work.
/// </summary>
internal sealed partial class KeyVaultChallengeAuthenticationPolicy(TokenCredential credential, bool verifyChallengeResource)
    : BearerTokenAuthenticationPolicy(credential, KeyVaultClientOptions.DefaultScope)
{
    private const string StashedContentProperty = "Serverless.OAuth.KeyVault.StashedContent";

    private volatile Challenge? _challenge;

    protected override ValueTask AuthorizeRequestAsync(HttpMessage message)
    {
        if (_challenge is { } challenge)
        {
            RestoreContent(message);
            return AuthenticateAndAuthorizeRequestAsync(message, challenge.Context(message));
        }

        StripContent(message);
        return default;
    }

    protected override void AuthorizeRequest(HttpMessage message)
    {
        if (_challenge is { } challenge)
        {
            RestoreContent(message);
            AuthenticateAndAuthorizeRequest(message, challenge.Context(message));
            return;
        }

        StripContent(message);
    }

    protected override async ValueTask<bool> AuthorizeRequestOnChallengeAsync(HttpMessage message)
    {
        if (!TryReadChallenge(message, out var challenge))
        {
            // Not Key Vault's challenge (e.g. a continuous access evaluation claims challenge): the base policy's case.
            return await base.AuthorizeRequestOnChallengeAsync(message);
        }

        _challenge = challenge;
        RestoreContent(message);
        await AuthenticateAndAuthorizeRequestAsync(message, challenge.Context(message));
        return true;
    }

    protected override bool AuthorizeRequestOnChallenge(HttpMessage message)
    {
        if (!TryReadChallenge(message, out var challenge))
        {
            return base.AuthorizeRequestOnChallenge(message);
        }

        _challenge = challenge;
        RestoreContent(message);
        AuthenticateAndAuthorizeRequest(message, challenge.Context(message));
        return true;
    }

    /// <summary>The probe for the challenge carries no body: a digest or a key to wrap is never sent unauthenticated.</summary>
    private static void StripContent(HttpMessage message)
    {
        if (!message.TryGetProperty(StashedContentProperty, out _))
        {
            message.SetProperty(StashedContentProperty, new StashedContent(message.Request.Content));
        }

        message.Request.Content = null;
    }

    private static void RestoreContent(HttpMessage message)
    {
        if (message.TryGetProperty(StashedContentProperty, out var stashed) && stashed is StashedContent content)
        {
            message.Request.Content = content.Value;
        }
    }

    private bool TryReadChallenge(HttpMessage message, out Challenge challenge)
    {
        challenge = null!;
        if (!message.Response.Headers.TryGetValue("WWW-Authenticate", out var header)
            || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string? authorization = null, scope = null;
        foreach (Match pair in ChallengeParameter().Matches(header))
        {
            var (name, value) = (pair.Groups[1].Value, pair.Groups[2].Value);
            if (name.Equals("authorization", StringComparison.OrdinalIgnoreCase) || name.Equals("authorization_uri", StringComparison.OrdinalIgnoreCase))
            {
                authorization = value;
            }
            else if (name.Equals("scope", StringComparison.OrdinalIgnoreCase))
            {
                scope = value;
            }
            else if (name.Equals("resource", StringComparison.OrdinalIgnoreCase))
            {
                scope ??= value.TrimEnd('/') + "/.default";
            }
        }

        if (scope is null || !Uri.TryCreate(authorization, UriKind.Absolute, out var authority) || !Uri.TryCreate(scope, UriKind.Absolute, out var resource))
        {
            return false;
        }

        var host = message.Request.Uri.Host ?? "";
        if (verifyChallengeResource
            && !host.Equals(resource.Host, StringComparison.OrdinalIgnoreCase)
            && !host.EndsWith("." + resource.Host, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"The Key Vault challenge names the resource '{resource.Host}', which is not the domain of '{host}'. " +
                "If the vault is genuine, its URI is misconfigured.");
        }

        var tenant = authority.Segments.LastOrDefault()?.Trim('/');
        challenge = new Challenge(scope, string.IsNullOrEmpty(tenant) ? null : tenant);
        return true;
    }

    [GeneratedRegex("""([A-Za-z_]+)\s*=\s*"([^"]*)""")]
    private static partial Regex ChallengeParameter();

    private sealed record Challenge(string Scope, string? TenantId)
    {
        public TokenRequestContext Context(HttpMessage message) =>
            new([Scope], parentRequestId: message.Request.ClientRequestId, tenantId: TenantId);
    }

    private sealed record StashedContent(RequestContent? Value);
}
