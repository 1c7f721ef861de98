using Microsoft.Extensions.Options;

namespace Serverless.OAuth.Infrastructure.Options;

/// <summary>
/// Checks the "OAuth" section when the host starts (ValidateOnStart), so a bad setting stops the host with every
/// problem named instead of surfacing as a 500 on the first request.
/// </summary>
public sealed class OAuthServerOptionsValidator : IValidateOptions<OAuthServerOptions>
{
    public const string Heading = "The OAuth configuration is invalid:";

    public ValidateOptionsResult Validate(string? name, OAuthServerOptions options)
    {
        var problems = options.Validate().ToList();
        return problems.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(Heading + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }
}
