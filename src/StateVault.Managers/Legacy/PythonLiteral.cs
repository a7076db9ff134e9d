using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace StateVault.Managers.Legacy;

/// <summary>
/// Reads the Python <c>repr</c> strings the original system wrote with <c>json.dump(..., default=str)</c>: dicts, lists, tuples,
/// strings, numbers, <c>True</c>/<c>False</c>/<c>None</c>, <c>datetime.datetime(…)</c> and enum members
/// (<c>AlertSeverity.HIGH</c>, <c>&lt;AlertSeverity.HIGH: 'high'&gt;</c>).
/// </summary>
internal static partial class PythonLiteral
{
    /// <summary>Parses a whole repr string into JSON; <see langword="false"/> when it is not one.</summary>
    public static bool TryParse(string text, out JsonNode? value)
    {
        value = null;
        var parser = new Parser(text);
        try
        {
            value = parser.ParseValue();
            parser.SkipWhitespace();
            return parser.AtEnd;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Parses an object repr, <c>MLWorkflow(name='x', steps=[...], created_at=datetime.datetime(2026, 11, 27, 7, 9, 16))</c> or
    /// <c>GamingAlertManager(gaming_alert_manager, status=offline)</c>: the type name, and the arguments in order (a positional
    /// argument has no name; a bare word is its text; a nested constructor call is its text).
    /// </summary>
    public static bool TryParseCall(string text, out string type, out IReadOnlyList<KeyValuePair<string?, JsonNode?>> arguments)
    {
        type = string.Empty;
        arguments = [];
        var parser = new Parser(text);
        try
        {
            var result = parser.ParseCall(out type);
            parser.SkipWhitespace();
            if (!parser.AtEnd)
            {
                return false;
            }

            arguments = result;
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>An enum member repr (<c>AlertSeverity.HIGH</c>, <c>&lt;Status.ONLINE: 'online'&gt;</c>) as its snake_case value, or <see langword="null"/>.</summary>
    public static string? EnumValue(string text)
    {
        var match = EnumRepr().Match(text);
        if (!match.Success)
        {
            return null;
        }

        return match.Groups["value"].Success ? match.Groups["value"].Value.ToLowerInvariant() : match.Groups["member"].Value.ToLowerInvariant();
    }

    /// <summary>A <c>datetime.datetime(2024, 1, 2, 3, 4, 5, 6)</c> repr as naive date and time parts, or <see langword="null"/>.</summary>
    public static DateTime? DateTimeRepr(string text)
    {
        var match = DateTimeReprPattern().Match(text);
        if (!match.Success)
        {
            return null;
        }

        var parts = match.Groups["parts"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
        if (parts.Length < 3)
        {
            return null;
        }

        int At(int i) => i < parts.Length ? parts[i] : 0;
        try
        {
            return new DateTime(parts[0], parts[1], parts[2], At(3), At(4), At(5), DateTimeKind.Unspecified).AddTicks(At(6) * 10L);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^<?(?<type>[A-Z][A-Za-z0-9_]*)\.(?<member>[A-Z][A-Z0-9_]*)(?::\s*'(?<value>[^']*)'>|:\s*(?<number>-?\d+)>|>)?$", RegexOptions.CultureInvariant)]
    private static partial Regex EnumRepr();

    [GeneratedRegex(@"^datetime\.datetime\((?<parts>[\d,\s]+)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex DateTimeReprPattern();

    private sealed class Parser(string text)
    {
        private int _position;

        public bool AtEnd => _position >= text.Length;

        public void SkipWhitespace()
        {
            while (_position < text.Length && char.IsWhiteSpace(text[_position]))
            {
                _position++;
            }
        }

        public List<KeyValuePair<string?, JsonNode?>> ParseCall(out string type)
        {
            SkipWhitespace();
            var start = _position;
            while (!AtEnd && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] is '_' or '.'))
            {
                _position++;
            }

            type = text[start.._position];
            if (type.Length == 0 || !char.IsAsciiLetter(type[0]))
            {
                throw new FormatException("no type name");
            }

            Expect('(');
            var arguments = new List<KeyValuePair<string?, JsonNode?>>();
            SkipWhitespace();
            while (!Consume(')'))
            {
                var mark = _position;
                string? name = null;
                while (!AtEnd && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] == '_'))
                {
                    _position++;
                }

                if (_position > mark && !AtEnd && text[_position] == '=' && (_position + 1 >= text.Length || text[_position + 1] != '='))
                {
                    name = text[mark.._position];
                    _position++;
                }
                else
                {
                    _position = mark;
                }

                arguments.Add(new(name, ParseValue()));
                SkipWhitespace();
                if (!Consume(','))
                {
                    SkipWhitespace();
                    Expect(')');
                    break;
                }

                SkipWhitespace();
            }

            return arguments;
        }

        public JsonNode? ParseValue()
        {
            SkipWhitespace();
            if (AtEnd)
            {
                throw new FormatException("unexpected end");
            }

            var c = text[_position];
            switch (c)
            {
                case '{':
                    return ParseDict();
                case '[':
                    return ParseSequence(']');
                case '(':
                    return ParseSequence(')');
                case '\'':
                case '"':
                    return JsonValue.Create(ParseString());
                default:
                    if (c == '-' || char.IsAsciiDigit(c))
                    {
                        return ParseNumber();
                    }

                    return ParseWord();
            }
        }

        private JsonObject ParseDict()
        {
            _position++;
            var result = new JsonObject();
            SkipWhitespace();
            while (!Consume('}'))
            {
                var key = ParseValue();
                var name = key is JsonValue v && v.TryGetValue<string>(out var s) ? s : key?.ToJsonString() ?? "None";
                SkipWhitespace();
                Expect(':');
                result[name] = ParseValue();
                SkipWhitespace();
                if (!Consume(','))
                {
                    SkipWhitespace();
                    Expect('}');
                    break;
                }

                SkipWhitespace();
            }

            return result;
        }

        private JsonArray ParseSequence(char close)
        {
            _position++;
            var result = new JsonArray();
            SkipWhitespace();
            while (!Consume(close))
            {
                result.Add(ParseValue());
                SkipWhitespace();
                if (!Consume(','))
                {
                    SkipWhitespace();
                    Expect(close);
                    break;
                }

                SkipWhitespace();
            }

            return result;
        }

        private string ParseString()
        {
            var quote = text[_position++];
            var builder = new StringBuilder();
            while (!AtEnd && text[_position] != quote)
            {
                var c = text[_position++];
                if (c != '\\')
                {
                    builder.Append(c);
                    continue;
                }

                if (AtEnd)
                {
                    throw new FormatException("unterminated escape");
                }

                var escaped = text[_position++];
                switch (escaped)
                {
                    case 'n': builder.Append('\n'); break;
                    case 't': builder.Append('\t'); break;
                    case 'r': builder.Append('\r'); break;
                    case '0': builder.Append('\0'); break;
                    case 'x' when _position + 2 <= text.Length:
                        builder.Append((char)int.Parse(text.AsSpan(_position, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        _position += 2;
                        break;
                    case 'u' when _position + 4 <= text.Length:
                        builder.Append((char)int.Parse(text.AsSpan(_position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        _position += 4;
                        break;
                    default: builder.Append(escaped); break;
                }
            }

            Expect(quote);
            return builder.ToString();
        }

        private JsonNode ParseNumber()
        {
            var start = _position;
            while (!AtEnd && (char.IsAsciiDigit(text[_position]) || text[_position] is '-' or '+' or '.' or 'e' or 'E'))
            {
                _position++;
            }

            var span = text.AsSpan(start, _position - start);
            if (long.TryParse(span, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            {
                return JsonValue.Create(integer);
            }

            return double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)
                ? JsonValue.Create(real)
                : throw new FormatException("bad number");
        }

        private JsonNode? ParseWord()
        {
            var start = _position;
            while (!AtEnd && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] is '_' or '.'))
            {
                _position++;
            }

            var word = text[start.._position];
            if (!AtEnd && text[_position] == '(')
            {
                // A constructor call such as datetime.datetime(2024, 1, 2, 3, 4, 5): keep it as text for the typed coercion.
                var depth = 0;
                do
                {
                    depth += text[_position] == '(' ? 1 : text[_position] == ')' ? -1 : 0;
                    _position++;
                }
                while (!AtEnd && depth > 0);
                return JsonValue.Create(text[start.._position]);
            }

            return word switch
            {
                "True" => JsonValue.Create(true),
                "False" => JsonValue.Create(false),
                "None" => null,
                "" => throw new FormatException("unexpected character"),
                _ => JsonValue.Create(word),
            };
        }

        private bool Consume(char c)
        {
            if (!AtEnd && text[_position] == c)
            {
                _position++;
                return true;
            }

            return false;
        }

        private void Expect(char c)
        {
            if (!Consume(c))
            {
                throw new FormatException($"expected '{c}'");
            }
        }
    }
}
