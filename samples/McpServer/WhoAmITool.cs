using System.ComponentModel;
using System.Security.Claims;
using ModelContextProtocol.Server;

namespace Samples.McpServer;

/// <summary>The sample's one tool: it answers who called it, as the access token says.</summary>
[McpServerToolType]
public sealed class WhoAmITool
{
    [McpServerTool(Name = "whoami"), Description("Says which user and which client the access token was issued to.")]
    public static string WhoAmI(ClaimsPrincipal user) =>
        $"user {user.FindFirst("sub")?.Value} through client {user.FindFirst("client_id")?.Value}";
}
