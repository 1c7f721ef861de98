using System.Security.Cryptography;
using System.Text;

namespace Serverless.OAuth.Interaction.Pages;

/// <summary>
/// The HTML shell of every server page. The stylesheet is inline and allowed by its hash, so the Content-Security-Policy
/// can forbid everything else: no scripts, no framing, no foreign forms.
/// </summary>
public static class PageLayout
{
    public const string Stylesheet = """
        :root { color-scheme: light dark; --accent: #2563eb; --danger: #b91c1c; --muted: #4b5563; --card: Canvas; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #f3f4f6; color: #111827; }
        @media (prefers-color-scheme: dark) { :root { --muted: #d1d5db; --danger: #fca5a5; } body { background: #111827; color: #f9fafb; } .card { background: #1f2937 !important; } }
        main { max-width: 28rem; margin: 3rem auto; padding: 0 1rem; }
        .card { background: #fff; border-radius: 12px; padding: 2rem; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
        h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
        h2 { font-size: 1rem; margin: 1.5rem 0 .25rem; }
        p.lead { color: var(--muted); margin: 0 0 1.5rem; }
        label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
        input[type=text], input[type=password] { width: 100%; padding: .6rem .75rem; font: inherit; border: 1px solid #9ca3af; border-radius: 8px; }
        input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        ul.scopes { padding-left: 1.2rem; margin: .5rem 0 0; }
        ul.scopes li { margin: .25rem 0; }
        code { font-size: .9em; }
        .error { color: var(--danger); background: rgba(185,28,28,.08); border-left: 4px solid var(--danger); padding: .6rem .8rem; border-radius: 4px; margin: 0 0 1rem; }
        .actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
        button { flex: 1; padding: .7rem 1rem; font: inherit; font-weight: 600; border-radius: 8px; border: 1px solid transparent; cursor: pointer; }
        button.allow { background: var(--accent); color: #fff; }
        button.deny { background: transparent; border-color: #9ca3af; color: inherit; }
        .providers { display: flex; flex-direction: column; gap: .5rem; margin: .5rem 0 1rem; }
        button.provider { background: transparent; border-color: #9ca3af; color: inherit; text-align: left; }
        footer { color: var(--muted); font-size: .85rem; margin-top: 1.5rem; text-align: center; }
        """;

    public static readonly string StyleHash = "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Stylesheet))) + "'";

    /// <summary>The policy of every page; <paramref name="formTargets"/> are the origins a form may end up at (after its redirect).</summary>
    public static string ContentSecurityPolicy(string? formTargets = null) =>
        $"default-src 'none'; style-src {StyleHash}; img-src 'self' data:; form-action 'self'{(formTargets is null ? "" : " " + formTargets)}; frame-ancestors 'none'; base-uri 'none'";

    public static Html Render(string title, Html body) => Html.Of($"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{title}</title>
        <style>{StyleElement}</style>
        </head>
        <body>
        <main>
        {body}
        </main>
        </body>
        </html>

        """);

    /// <summary>The stylesheet is the server's own text, and its hash must match it byte for byte: not encoded.</summary>
    private static readonly Html StyleElement = Html.FromAsset(Stylesheet);
}
