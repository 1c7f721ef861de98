namespace Serverless.Demo;

/// <summary>
/// The demo client (GET /demo, /demo/callback, /demo/app.js, /demo/app.css): a public OAuth client that runs in the
/// browser. Its three files are embedded in this assembly, so both hosts serve them with no build step and no static
/// file set-up, and the page has its own Content-Security-Policy: the server's other pages allow no script at all.
/// </summary>
public static class DemoClientFiles
{
    /// <summary>
    /// Script, style and fetches from this origin only; nothing inline, no framing, no forms, and Trusted Types so the
    /// script cannot turn a string into markup.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'; require-trusted-types-for 'script'; trusted-types 'none'";

    public static string Page { get; } = Read("demo.html");

    public static string Script { get; } = Read("app.js");

    public static string Stylesheet { get; } = Read("app.css");

    private static string Read(string name)
    {
        using var stream = typeof(DemoClientFiles).Assembly.GetManifestResourceStream("Serverless.Demo." + name)
            ?? throw new InvalidOperationException($"The demo client's {name} is not embedded in the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
