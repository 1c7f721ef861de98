using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;

namespace Serverless.OAuth.Interaction.Pages;

/// <summary>
/// Markup that is safe by construction. It is written as an interpolated string, <c>Html.Of($"&lt;p&gt;{text}&lt;/p&gt;")</c>:
/// the literal parts are the page's own markup, and every value put into a hole is HTML-encoded (text and quoted
/// attribute values alike), unless it is itself <see cref="Html"/>. So no page can forget to encode, or encode twice.
/// </summary>
public readonly struct Html
{
    private readonly string? _markup;

    private Html(string markup) => _markup = markup;

    public static Html Empty => default;

    public static Html Of(ref Builder html) => new(html.ToStringAndClear());

    /// <summary>Markup the server ships in its assembly (the demo client's page): never anything a request or a table holds.</summary>
    public static Html FromAsset(string markup) => new(markup);

    public static Html Join(IEnumerable<Html> parts) => new(string.Concat(parts.Select(p => p._markup)));

    public override string ToString() => _markup ?? "";

    /// <summary>Builds the markup of <see cref="Of"/>: literals as they are, values encoded.</summary>
    [InterpolatedStringHandler]
    public ref struct Builder(int literalLength, int formattedCount)
    {
        private readonly StringBuilder _markup = new(literalLength + (formattedCount * 32));

        public readonly void AppendLiteral(string literal) => _markup.Append(literal);

        public readonly void AppendFormatted(string? text) => _markup.Append(HtmlEncoder.Default.Encode(text ?? ""));

        public readonly void AppendFormatted(int number) => _markup.Append(number.ToString(CultureInfo.InvariantCulture));

        public readonly void AppendFormatted(Html markup) => _markup.Append(markup._markup);

        internal readonly string ToStringAndClear()
        {
            var markup = _markup.ToString();
            _markup.Clear();
            return markup;
        }
    }
}
