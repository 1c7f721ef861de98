using System.Diagnostics.CodeAnalysis;

namespace Serverless.OAuth.Protocol;

/// <summary>
/// What a step of the protocol produced: a value, or the OAuth error to answer with (RFC 6749 §4.1.2.1, §5.2;
/// RFC 6750 §3.1). Protocol errors travel as values, never as exceptions; a step returns either a <typeparamref name="T"/>
/// or an <see cref="OAuthError"/>, and both convert implicitly.
/// </summary>
public sealed class OAuthResult<T>
    where T : notnull
{
    private OAuthResult(T? value, OAuthError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public OAuthError? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    /// <summary>Both sides at once, for assertions; code that acts on a result tests <see cref="Succeeded"/>.</summary>
    public void Deconstruct(out T? value, out OAuthError? error)
    {
        value = Value;
        error = Error;
    }

    public static implicit operator OAuthResult<T>(T value) => new(value ?? throw new ArgumentNullException(nameof(value)), null);

    public static implicit operator OAuthResult<T>(OAuthError error) => new(default, error ?? throw new ArgumentNullException(nameof(error)));
}
