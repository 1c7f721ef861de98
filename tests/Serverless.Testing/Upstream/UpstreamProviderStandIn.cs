using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Serverless.Testing.Upstream;

/// <summary>
/// Upstream identity providers for a test class: oidc-provider (node-oidc-provider, from the repository's node_modules)
/// started by upstream-provider.mjs on a free 127.0.0.1 port, as a generic OpenID Provider and as two Entra-shaped
/// tenants. <see cref="Settings"/> configures a server at <c>serverBaseAddress</c> with four providers: "generic",
/// "corp" (Entra, any organisation, tenant A allowed, reached through the multi-tenant endpoints), "corp-b" (the same
/// app's multi-tenant endpoints, where a user of tenant B signs in: a tenant the server does not allow) and "tenant-a"
/// (Entra, single tenant A). http, because the providers are on the loopback address, which is all the server allows
/// http for.
/// </summary>
public sealed class UpstreamProviderStandIn : IAsyncDisposable
{
    public const string ClientId = "serverless-oauth";
    public const string ClientSecret = "upstream-client-secret-for-tests-only";
    public const string TenantA = "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa";
    public const string TenantB = "bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb";
    public static readonly string[] ProviderNames = ["generic", "corp", "corp-b", "tenant-a"];

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private UpstreamProviderStandIn(Process process, int port)
    {
        _process = process;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri BaseAddress { get; }

    public string GenericIssuer => BaseAddress + "generic";

    public string TenantIssuer(string tenant) => $"{BaseAddress}{tenant}/v2.0";

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the providers for a server that will listen at <paramref name="serverBaseAddress"/>.</summary>
    public static async Task<UpstreamProviderStandIn> StartAsync(Uri serverBaseAddress)
    {
        var port = FreePort.Next();
        var server = serverBaseAddress.ToString().TrimEnd('/');
        var config = JsonSerializer.Serialize(new
        {
            port,
            tenants = new[] { TenantA, TenantB },
            clients = new[]
            {
                new
                {
                    client_id = ClientId,
                    client_secret = ClientSecret,
                    redirect_uris = ProviderNames.Select(name => $"{server}/signin/{name}/callback").ToArray(),
                },
            },
        });
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "tests", "Serverless.Testing", "Upstream", "upstream-provider.mjs"));
        start.ArgumentList.Add(config);
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for the upstream providers.");
        var standIn = new UpstreamProviderStandIn(process, port);
        process.OutputDataReceived += (_, e) => standIn.Append(e.Data);
        process.ErrorDataReceived += (_, e) => standIn.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(30));
        return standIn;
    }

    /// <summary>The server's settings for the four providers (configuration form, OAuth:...).</summary>
    public Dictionary<string, string?> Settings(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["OAuth:Upstream:Providers:generic:Kind"] = "OpenIdConnect",
            ["OAuth:Upstream:Providers:generic:DisplayName"] = "Example ID",
            ["OAuth:Upstream:Providers:generic:Issuer"] = GenericIssuer,
            ["OAuth:Upstream:Providers:corp:Kind"] = "Entra",
            ["OAuth:Upstream:Providers:corp:DisplayName"] = "Contoso (Entra ID)",
            ["OAuth:Upstream:Providers:corp:Instance"] = BaseAddress.ToString(),
            ["OAuth:Upstream:Providers:corp:Tenant"] = "organizations",
            ["OAuth:Upstream:Providers:corp:AllowedTenants:0"] = TenantA,
            ["OAuth:Upstream:Providers:corp:DomainHints:0"] = "tenant-a.example",
            ["OAuth:Upstream:Providers:corp-b:Kind"] = "Entra",
            ["OAuth:Upstream:Providers:corp-b:DisplayName"] = "Fabrikam (Entra ID)",
            ["OAuth:Upstream:Providers:corp-b:Instance"] = BaseAddress + "b/",
            ["OAuth:Upstream:Providers:corp-b:Tenant"] = "organizations",
            ["OAuth:Upstream:Providers:corp-b:AllowedTenants:0"] = TenantA,
            ["OAuth:Upstream:Providers:tenant-a:Kind"] = "Entra",
            ["OAuth:Upstream:Providers:tenant-a:DisplayName"] = "Tenant A only",
            ["OAuth:Upstream:Providers:tenant-a:Instance"] = BaseAddress.ToString(),
            ["OAuth:Upstream:Providers:tenant-a:Tenant"] = TenantA,
            ["OAuth:Upstream:Providers:tenant-a:SignUp"] = "InvitedOnly",
        };
        // A provider no one answers for: its port was free a moment ago.
        settings["OAuth:Upstream:Providers:down:Issuer"] = $"http://127.0.0.1:{FreePort.Next()}/down";
        settings["OAuth:Upstream:Providers:down:DisplayName"] = "Unreachable ID";
        foreach (var name in ProviderNames.Append("down"))
        {
            settings[$"OAuth:Upstream:Providers:{name}:ClientId"] = ClientId;
            settings[$"OAuth:Upstream:Providers:{name}:ClientSecret"] = ClientSecret;
        }

        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
