using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Identity.Users;

namespace Serverless.OAuth.Identity.Upstream;

/// <summary>
/// The local account of an upstream identity, found by its link (provider + stable key), never by e-mail address. On
/// a first sign-in the provider's sign-up policy decides whether an account is created just in time (any user; users
/// with a verified address in an allowed domain; or no one: invited users only, linked by an administrator). The
/// account's sub is created once and stays; its profile (name, email, email_verified) follows the provider.
/// </summary>
public sealed class UpstreamAccounts(IUserStore users, UpstreamLinkStore links, TimeProvider clock, ILogger<UpstreamAccounts> logger)
{
    public async Task<OAuthResult<OAuthUser>> SignInAsync(UpstreamProvider provider, UpstreamIdentity identity, CancellationToken cancellationToken)
    {
        var link = await links.FindAsync(provider.Name, identity.StableKey, cancellationToken);
        if (link is null)
        {
            if (SignUpRefusal(provider.Options, identity) is { } refusal)
            {
                return refusal;
            }

            link = await CreateAsync(provider, identity, cancellationToken);
        }

        if (await users.FindAsync(link.Username, cancellationToken) is not { } user || user.Subject != link.Subject)
        {
            return OAuthError.AccessDenied("The account this sign-in belongs to has been removed from this server.");
        }

        if (user.DisplayName != identity.Name || user.Email != identity.Email || user.EmailVerified != identity.EmailVerified)
        {
            await users.SetProfileAsync(user.Username, identity.Name ?? "", identity.Email ?? "", identity.EmailVerified, clock.GetUtcNow(), cancellationToken);
            user = user with { DisplayName = identity.Name, Email = identity.Email, EmailVerified = identity.EmailVerified };
        }

        return user;
    }

    /// <summary>Why this identity gets no account, or null when the policy allows one.</summary>
    public static OAuthError? SignUpRefusal(UpstreamProviderOptions options, UpstreamIdentity identity) => options.SignUp switch
    {
        UpstreamSignUp.InvitedOnly => OAuthError.AccessDenied($"Your account is not invited to this server. Ask its administrator to invite you."),
        UpstreamSignUp.AllowedEmailDomains when !identity.EmailVerified || Domain(identity.Email) is not { } domain
            || !options.AllowedEmailDomains.Contains(domain, StringComparer.OrdinalIgnoreCase) =>
            OAuthError.AccessDenied("Accounts here are only for verified e-mail addresses of the allowed domains."),
        _ => null,
    };

    private async Task<UpstreamLinkEntity> CreateAsync(UpstreamProvider provider, UpstreamIdentity identity, CancellationToken cancellationToken)
    {
        // A username no one chose: it is a table key, shown nowhere but the admin listing. No password: the hash is empty,
        // which never verifies.
        var username = provider.Name + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var subject = Guid.NewGuid().ToString();
        var user = new OAuthUser(username, subject, "", identity.Name)
        {
            Email = identity.Email,
            EmailVerified = identity.EmailVerified,
            UpdatedAt = clock.GetUtcNow(),
        };
        if (!await users.AddAsync(user, cancellationToken))
        {
            throw new InvalidOperationException("A new random username was taken.");
        }

        if (await links.AddAsync(provider.Name, identity.StableKey, subject, username, cancellationToken))
        {
            UpstreamEvents.AccountCreated(logger, provider.Name, subject);
            UpstreamEvents.IdentityLinked(logger, provider.Name, subject);
            return (await links.FindAsync(provider.Name, identity.StableKey, cancellationToken))!;
        }

        // The same identity's first sign-in in another browser at the same moment linked first: its account stands.
        await users.RemoveAsync(username, cancellationToken);
        return (await links.FindAsync(provider.Name, identity.StableKey, cancellationToken))
            ?? throw new InvalidOperationException("The link that was there is gone.");
    }

    private static string? Domain(string? email) => email?.LastIndexOf('@') is int at and > 0 && at < email.Length - 1 ? email[(at + 1)..] : null;
}
