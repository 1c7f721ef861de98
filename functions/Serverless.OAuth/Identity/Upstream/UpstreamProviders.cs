using Azure.Core;
using Azure.Identity;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Identity.Upstream;

/// <summary>The configured upstream providers (OAuth:Upstream:Providers), one <see cref="UpstreamProvider"/> each for the process's life.</summary>
public sealed class UpstreamProviders
{
    private readonly Dictionary<string, UpstreamProvider> _providers;

    public UpstreamProviders(OAuthServerOptions options, UpstreamHttp http, TimeProvider clock, Func<string, TokenCredential>? managedIdentity = null)
    {
        managedIdentity ??= clientId => new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        _providers = options.Upstream.Enabled.ToDictionary(
            p => p.Key,
            p => new UpstreamProvider(
                p.Key,
                p.Value,
                http.Client,
                clock,
                p.Value is { Kind: UpstreamKind.Entra, ManagedIdentityClientId: { Length: > 0 } id } ? managedIdentity(id) : null),
            StringComparer.Ordinal);
        All = [.. _providers.Values.OrderBy(p => p.DisplayName, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>In the order the sign-in page shows them.</summary>
    public IReadOnlyList<UpstreamProvider> All { get; }

    public UpstreamProvider? Find(string? name) => name is not null && _providers.TryGetValue(name, out var provider) ? provider : null;

    /// <summary>
    /// The provider a client's domain_hint names, or the one whose DomainHints hold the login_hint's domain: that user
    /// goes straight to it, without the choice page.
    /// </summary>
    public UpstreamProvider? ForHint(string? domainHint, string? loginHint)
    {
        var domain = domainHint ?? (loginHint?.LastIndexOf('@') is int at and >= 0 ? loginHint[(at + 1)..] : null);
        return domain is { Length: > 0 }
            ? All.FirstOrDefault(p => p.Options.DomainHints.Contains(domain, StringComparer.OrdinalIgnoreCase))
            : null;
    }
}
