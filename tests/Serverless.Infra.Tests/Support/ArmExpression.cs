using System.Globalization;
using System.Text.Json.Nodes;

namespace Serverless.Infra.Tests.Support;

/// <summary>
/// Evaluates the small part of the ARM template expression language that the conditions in this template use:
/// parameters('x'), string/number/bool literals, equals, not, and, or, empty, if, null and format (with {n}
/// placeholders only). Anything else throws, so a test that depends on a condition fails loudly instead of guessing
/// when the template grows a new kind of condition.
/// </summary>
public static class ArmExpression
{
    public static bool IsExpression(string text) => text.StartsWith('[') && text.EndsWith(']') && !text.StartsWith("[[", StringComparison.Ordinal);

    public static JsonNode? Evaluate(string expression, Func<string, JsonNode?> parameter)
    {
        if (!IsExpression(expression))
        {
            return JsonValue.Create(expression);
        }

        var parser = new Parser(expression[1..^1], parameter);
        var value = parser.ParseValue();
        parser.ExpectEnd();
        return value;
    }

    public static bool EvaluateCondition(JsonNode? condition, Func<string, JsonNode?> parameter) => condition switch
    {
        null => true,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) => AsBool(Evaluate(s, parameter)),
        _ => throw new NotSupportedException("Unsupported condition: " + condition.ToJsonString()),
    };

    private static bool AsBool(JsonNode? value) => value is JsonValue v && v.TryGetValue<bool>(out var b)
        ? b
        : throw new NotSupportedException("Not a boolean: " + value?.ToJsonString());

    private sealed class Parser(string text, Func<string, JsonNode?> parameter)
    {
        private int _position;

        public void ExpectEnd()
        {
            SkipSpace();
            if (_position != text.Length)
            {
                throw new NotSupportedException($"Unsupported expression (at {_position}): {text}");
            }
        }

        public JsonNode? ParseValue()
        {
            SkipSpace();
            if (_position >= text.Length)
            {
                throw new NotSupportedException("Unexpected end of expression: " + text);
            }

            var c = text[_position];
            if (c == '\'')
            {
                return JsonValue.Create(ParseString());
            }

            if (char.IsDigit(c) || c == '-')
            {
                var start = _position++;
                while (_position < text.Length && char.IsDigit(text[_position]))
                {
                    _position++;
                }

                return JsonValue.Create(long.Parse(text[start.._position], CultureInfo.InvariantCulture));
            }

            var name = ParseIdentifier();
            if (name is "true" or "false")
            {
                return JsonValue.Create(name == "true");
            }

            var arguments = ParseArguments();
            if (_position < text.Length && text[_position] is '.' or '[')
            {
                throw new NotSupportedException("Property access is not supported: " + text);
            }

            return Call(name, arguments);
        }

        private JsonNode? Call(string name, List<JsonNode?> args) => name.ToLowerInvariant() switch
        {
            "parameters" when args is [JsonValue p] => parameter(p.GetValue<string>()),
            "equals" when args.Count == 2 => JsonValue.Create(JsonNode.DeepEquals(args[0], args[1])),
            "not" when args.Count == 1 => JsonValue.Create(!AsBool(args[0])),
            "and" when args.Count >= 2 => JsonValue.Create(args.All(AsBool)),
            "or" when args.Count >= 2 => JsonValue.Create(args.Any(AsBool)),
            "empty" when args.Count == 1 => JsonValue.Create(args[0] switch
            {
                null => true,
                JsonValue v when v.TryGetValue<string>(out var s) => s.Length == 0,
                JsonArray a => a.Count == 0,
                JsonObject o => o.Count == 0,
                _ => false,
            }),
            "if" when args.Count == 3 => AsBool(args[0]) ? args[1]?.DeepClone() : args[2]?.DeepClone(),
            "null" when args.Count == 0 => null,
            "format" when args is [JsonValue f, ..] && f.TryGetValue<string>(out var pattern) =>
                JsonValue.Create(string.Format(CultureInfo.InvariantCulture, pattern, [.. args.Skip(1).Select(FormatArgument)])),
            _ => throw new NotSupportedException($"Unsupported function {name}/{args.Count} in: {text}"),
        };

        private static object FormatArgument(JsonNode? value) => value switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v => v.ToJsonString(),
            _ => throw new NotSupportedException("format() of a non-scalar: " + value?.ToJsonString()),
        };

        private List<JsonNode?> ParseArguments()
        {
            SkipSpace();
            Expect('(');
            var args = new List<JsonNode?>();
            SkipSpace();
            if (text[_position] == ')')
            {
                _position++;
                return args;
            }

            while (true)
            {
                args.Add(ParseValue());
                SkipSpace();
                if (text[_position] == ',')
                {
                    _position++;
                    continue;
                }

                Expect(')');
                return args;
            }
        }

        private string ParseString()
        {
            Expect('\'');
            var result = new System.Text.StringBuilder();
            while (true)
            {
                if (_position >= text.Length)
                {
                    throw new NotSupportedException("Unterminated string: " + text);
                }

                var c = text[_position++];
                if (c == '\'')
                {
                    if (_position < text.Length && text[_position] == '\'')
                    {
                        result.Append('\'');
                        _position++;
                        continue;
                    }

                    return result.ToString();
                }

                result.Append(c);
            }
        }

        private string ParseIdentifier()
        {
            var start = _position;
            while (_position < text.Length && (char.IsLetterOrDigit(text[_position]) || text[_position] == '_'))
            {
                _position++;
            }

            return _position > start
                ? text[start.._position]
                : throw new NotSupportedException($"Unexpected '{text[_position]}' in: {text}");
        }

        private void Expect(char c)
        {
            if (_position >= text.Length || text[_position] != c)
            {
                throw new NotSupportedException($"Expected '{c}' at {_position} in: {text}");
            }

            _position++;
        }

        private void SkipSpace()
        {
            while (_position < text.Length && char.IsWhiteSpace(text[_position]))
            {
                _position++;
            }
        }
    }
}
