using FsCheck;
using FsCheck.Fluent;

namespace Serverless.OAuth.Tests.Endpoints.Validation;

/// <summary>
/// Generators of hostile request input: valid values, near misses (case, slashes, ports, encodings), control and
/// non-ASCII characters, invalid UTF-8 escapes, huge values, repeated parameters.
/// </summary>
public static class FuzzInputs
{
    public const string RegisteredRedirect = "https://app.example.com/cb";

    /// <summary>Cases per property: 1,000 in the suite; set FUZZ_CASES for a longer run.</summary>
    public static int Cases => int.TryParse(Environment.GetEnvironmentVariable("FUZZ_CASES"), out var n) && n > 0 ? n : 1000;

    public static Config Config => FsCheck.Config.QuickThrowOnFailure.WithMaxTest(Cases);

    private static readonly string[] Interesting =
    [
        "", "code", "Code", "token", "S256", "plain", "s256", "read", "read write", "read  write", "offline_access", "admin",
        RegisteredRedirect, RegisteredRedirect + "/", RegisteredRedirect.ToUpperInvariant(), RegisteredRedirect + "?x=1", RegisteredRedirect + "#f",
        "https://app.example.com:443/cb", "https://evil.example/cb", "https://app.example.com@evil.example/cb", "//evil.example",
        "javascript:alert(1)", "app", "APP", "app\0", "a.b", ".", "..", "%00", "%FF%FE", "\r\n", "\u202e", "😀", "\"", "\\", "<script>",
        new string('a', 43), new string('a', 4097), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "Basic", "Basic Og==",
    ];

    public static Gen<string> Value() => Gen.OneOf(
        Gen.Elements(Interesting),
        ArbMap.Default.ArbFor<string>().Generator.Select(s => s ?? ""),
        Gen.Elements(Interesting).Two().Select(t => t.Item1 + t.Item2),
        Gen.Choose(0, 0x10FFFF).Where(c => c is < 0xD800 or > 0xDFFF).Select(char.ConvertFromUtf32).ArrayOf().Select(a => string.Concat(a)));

    public static Gen<string> Name(params string[] known) => Gen.Frequency(
        (8, Gen.Elements(known)),
        (1, Value()));

    /// <summary>A request's parameters: known names mostly, some repeated, values hostile.</summary>
    public static Gen<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>[]> Parameters(params string[] known) =>
        Gen.Zip(Gen.Zip(Name(known), Value().NonEmptyListOf()), Gen.Choose(0, 19))
            .Select(p => new KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>(
                p.Item1.Item1, p.Item1.Item2.Take(p.Item2 == 0 ? 2 : 1).ToArray())) // one in twenty repeated
            .ArrayOf();

    /// <summary>Raw form bodies: form syntax with percent-escapes that are not always valid UTF-8.</summary>
    public static Gen<byte[]> FormBody(params string[] known) =>
        Gen.Zip(Name(known), Gen.OneOf(Value(), Gen.Elements("%", "%F", "%FF%FE", "%C3%28", "+", "%2B", "&", "=", "%E2%82"))).ArrayOf()
            .Select(pairs => System.Text.Encoding.UTF8.GetBytes(string.Join('&', pairs.Select(p => Uri.EscapeDataString(p.Item1) + "=" + p.Item2))));
}
