using Microsoft.Extensions.Logging;
using Serverless.OAuth.Lockout;
using Serverless.OAuth.Telemetry;
using Serverless.OAuth.Users;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// The user's sign-in with a password, under the lockout of the account and of the address it comes from
/// (<see cref="ILockout.AttemptAsync{T}"/>, the same sequence client authentication uses). Sign-in sessions
/// and max_age will plug in here.
/// </summary>
public sealed class LoginStep(IUserStore users, ILockout lockout, ILogger<LoginStep> logger)
{
    public async Task<SignIn> SignInAsync(string clientId, string? username, string? password, string? clientAddress, CancellationToken cancellationToken)
    {
        var keys = new List<LockoutKey>(2);
        if (OAuthUser.Normalize(username) is { } normalized)
        {
            keys.Add(LockoutKey.ForUser(normalized));
        }

        if (clientAddress is not null)
        {
            keys.Add(LockoutKey.ForAddress(clientAddress));
        }

        var attempt = await lockout.AttemptAsync(
            keys,
            token => username is null || password is null ? Task.FromResult<OAuthUser?>(null) : users.VerifyAsync(username, password, token),
            cancellationToken);
        if (attempt.Value is { } user)
        {
            AuditEvents.SignInSucceeded(logger, clientId, user.Subject);
            return new SignIn(user, null);
        }

        if (attempt.Checked)
        {
            AuditEvents.SignInFailed(logger, clientId);
        }
        else
        {
            AuditEvents.SignInLockedOut(logger, clientId);
        }

        return new SignIn(null, Problem(attempt));
    }

    /// <summary>What the page tells the user: the same words for an unknown user and a wrong password.</summary>
    private static string Problem(LockoutAttempt<OAuthUser> attempt) => attempt switch
    {
        { LockedFor: not { } } => "The username or password is incorrect.",
        { LockedKey.Kind: LockoutKey.Address, LockedFor: { } wait } => $"Too many failed sign-ins from your network. Try again in {Minutes(wait)} minute(s).",
        { LockedFor: { } wait } => $"Too many failed sign-ins. Try again in {Minutes(wait)} minute(s).",
    };

    private static int Minutes(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes));
}

/// <summary>A sign-in: the <see cref="User"/>, or the <see cref="Problem"/> to show on the page.</summary>
public sealed record SignIn(OAuthUser? User, string? Problem);
