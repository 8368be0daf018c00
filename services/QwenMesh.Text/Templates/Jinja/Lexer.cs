using System.Globalization;
using System.Text;

namespace QwenMesh.Text.Templates.Jinja;

/// <summary>
/// Splits a template into tokens the way transformers configures Jinja for chat templates: <c>trim_blocks</c> (the
/// newline right after a statement or comment tag goes), <c>lstrip_blocks</c> (spaces and tabs from the start of a
/// line up to a statement or comment tag go), <c>-</c> and <c>+</c> whitespace control on tags, and the template's one
/// trailing newline dropped.
/// </summary>
internal sealed class Lexer
{
    private static readonly System.Buffers.SearchValues<char> HexCharacters = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    private static readonly string[] Operators =
        ["**", "//", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "~", "|", ".", ",", ":", "(", ")", "[", "]", "{", "}", "="];

    private readonly string _source;
    private readonly List<Token> _tokens = [];
    private int _pos;
    private int _line = 1;

    private Lexer(string source)
    {
        _source = source.EndsWith('\n') ? source[..^1] : source;
    }

    public static List<Token> Tokenize(string source)
    {
        var lexer = new Lexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        bool stripNextText = false;
        while (_pos < _source.Length)
        {
            int open = NextTag(_pos);
            int textEnd = open < 0 ? _source.Length : open;
            char kind = open < 0 ? '\0' : _source[open + 1];
            char control = open >= 0 && open + 2 < _source.Length ? _source[open + 2] : '\0';
            string text = _source[_pos..textEnd];
            if (stripNextText)
            {
                text = text.TrimStart();
            }
            if (control == '-')
            {
                text = text.TrimEnd();
            }
            else if (control != '+' && kind is '%' or '#')
            {
                text = LstripBlock(text, _pos);
            }
            if (text.Length > 0)
            {
                _tokens.Add(new Token(TokenKind.Text, text, _line));
            }
            _line += Count(_source, _pos, textEnd);
            stripNextText = false;
            if (open < 0)
            {
                _pos = _source.Length;
                break;
            }
            _pos = open + 2 + (control is '-' or '+' ? 1 : 0);
            stripNextText = kind switch
            {
                '#' => Comment(),
                '{' => Tag(TokenKind.ExpressionStart, TokenKind.ExpressionEnd, "}}"),
                _ => Tag(TokenKind.StatementStart, TokenKind.StatementEnd, "%}"),
            };
            if (kind == '%' && TakeRaw())
            {
                continue;
            }
        }
        _tokens.Add(new Token(TokenKind.End, "", _line));
    }

    private int NextTag(int from)
    {
        for (int i = _source.IndexOf('{', from); i >= 0 && i + 1 < _source.Length; i = _source.IndexOf('{', i + 1))
        {
            if (_source[i + 1] is '{' or '%' or '#')
            {
                return i;
            }
        }
        return -1;
    }

    // lstrip_blocks: only whitespace between the start of the line and the tag is removed.
    private string LstripBlock(string text, int textStart)
    {
        int newline = text.LastIndexOf('\n');
        int lineStart = newline + 1;
        if (newline < 0 && textStart > 0 && _source[textStart - 1] != '\n')
        {
            return text;
        }
        for (int i = lineStart; i < text.Length; i++)
        {
            if (text[i] is not (' ' or '\t'))
            {
                return text;
            }
        }
        return text[..lineStart];
    }

    private bool Comment()
    {
        int close = _source.IndexOf("#}", _pos, StringComparison.Ordinal);
        if (close < 0)
        {
            throw new TemplateException("a comment is not closed with '#}'", _line);
        }
        bool strip = close > _pos && _source[close - 1] == '-';
        bool keep = close > _pos && _source[close - 1] == '+';
        _line += Count(_source, _pos, close);
        _pos = close + 2;
        return AfterTag(strip, keep, trimBlock: true);
    }

    private bool Tag(TokenKind start, TokenKind end, string closer)
    {
        _tokens.Add(new Token(start, closer == "}}" ? "{{" : "{%", _line));
        int braces = 0;
        while (true)
        {
            SkipWhitespace();
            if (_pos >= _source.Length)
            {
                throw new TemplateException($"a tag is not closed with '{closer}'", _line);
            }
            char c = _source[_pos];
            if (braces == 0 && c is '-' or '+' && At(_pos + 1, closer))
            {
                _pos += 3;
                _tokens.Add(new Token(end, closer, _line));
                return AfterTag(strip: c == '-', keep: c == '+', trimBlock: end == TokenKind.StatementEnd);
            }
            if (braces == 0 && At(_pos, closer))
            {
                _pos += 2;
                _tokens.Add(new Token(end, closer, _line));
                return AfterTag(strip: false, keep: false, trimBlock: end == TokenKind.StatementEnd);
            }
            if (c is '"' or '\'')
            {
                _tokens.Add(new Token(TokenKind.String, ReadString(c), _line));
            }
            else if (char.IsAsciiDigit(c))
            {
                ReadNumber();
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                int from = _pos;
                while (_pos < _source.Length && (char.IsAsciiLetterOrDigit(_source[_pos]) || _source[_pos] == '_'))
                {
                    _pos++;
                }
                _tokens.Add(new Token(TokenKind.Name, _source[from.._pos], _line));
            }
            else
            {
                string? op = Operators.FirstOrDefault(o => At(_pos, o))
                    ?? throw new TemplateException($"unexpected character '{c}'", _line);
                braces += op == "{" ? 1 : op == "}" ? -1 : 0;
                _pos += op.Length;
                _tokens.Add(new Token(TokenKind.Operator, op, _line));
            }
        }
    }

    // After a tag: '-' eats all following whitespace; trim_blocks eats one newline after a statement or comment.
    private bool AfterTag(bool strip, bool keep, bool trimBlock)
    {
        if (strip)
        {
            return true;
        }
        if (trimBlock && !keep && _pos < _source.Length && _source[_pos] == '\n')
        {
            _pos++;
            _line++;
        }
        return false;
    }

    // {% raw %}...{% endraw %}: everything between is text.
    private bool TakeRaw()
    {
        int n = _tokens.Count;
        if (n < 3 || _tokens[n - 1].Kind != TokenKind.StatementEnd || !_tokens[n - 2].IsName("raw") || _tokens[n - 3].Kind != TokenKind.StatementStart)
        {
            return false;
        }
        _tokens.RemoveRange(n - 3, 3);
        int from = _pos;
        for (int at = _source.IndexOf("{%", _pos, StringComparison.Ordinal); at >= 0; at = _source.IndexOf("{%", at + 2, StringComparison.Ordinal))
        {
            int i = at + 2;
            bool stripBefore = i < _source.Length && _source[i] == '-';
            if (stripBefore || (i < _source.Length && _source[i] == '+')) i++;
            while (i < _source.Length && char.IsWhiteSpace(_source[i])) i++;
            if (string.CompareOrdinal(_source, i, "endraw", 0, 6) != 0) continue;
            i += 6;
            while (i < _source.Length && char.IsWhiteSpace(_source[i])) i++;
            bool stripAfter = i < _source.Length && _source[i] == '-';
            if (stripAfter || (i < _source.Length && _source[i] == '+')) i++;
            if (!At(i, "%}")) continue;
            string text = _source[from..at];
            if (stripBefore) text = text.TrimEnd();
            if (text.Length > 0) _tokens.Add(new Token(TokenKind.Text, text, _line));
            _line += Count(_source, from, i + 2);
            _pos = i + 2;
            if (stripAfter)
            {
                while (_pos < _source.Length && char.IsWhiteSpace(_source[_pos])) _pos++;
            }
            else if (_pos < _source.Length && _source[_pos] == '\n')
            {
                _pos++;
                _line++;
            }
            return true;
        }
        throw new TemplateException("a raw block is not closed with '{% endraw %}'", _line);
    }

    private string ReadString(char quote)
    {
        var value = new StringBuilder();
        int startLine = _line;
        _pos++;
        while (true)
        {
            if (_pos >= _source.Length)
            {
                throw new TemplateException("a string literal is not closed", startLine);
            }
            char c = _source[_pos++];
            if (c == quote)
            {
                return value.ToString();
            }
            if (c == '\n') _line++;
            if (c != '\\' || _pos >= _source.Length)
            {
                value.Append(c);
                continue;
            }
            char e = _source[_pos++];
            switch (e)
            {
                case 'n': value.Append('\n'); break;
                case 't': value.Append('\t'); break;
                case 'r': value.Append('\r'); break;
                case 'b': value.Append('\b'); break;
                case 'f': value.Append('\f'); break;
                case 'v': value.Append('\v'); break;
                case 'a': value.Append('\a'); break;
                case '0': value.Append('\0'); break;
                case '\\': value.Append('\\'); break;
                case '\'': value.Append('\''); break;
                case '"': value.Append('"'); break;
                case '\n': _line++; break;
                case 'x': value.Append(Hex(2)); break;
                case 'u': value.Append(Hex(4)); break;
                case 'U': value.Append(char.ConvertFromUtf32(int.Parse(HexDigits(8), NumberStyles.HexNumber, CultureInfo.InvariantCulture))); break;
                default: value.Append('\\').Append(e); break;
            }
        }
    }

    private char Hex(int digits) => (char)int.Parse(HexDigits(digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private string HexDigits(int digits)
    {
        if (_pos + digits > _source.Length || _source.AsSpan(_pos, digits).ContainsAnyExcept(HexCharacters))
        {
            throw new TemplateException("a string literal has a malformed \\x, \\u or \\U escape", _line);
        }
        string hex = _source.Substring(_pos, digits);
        _pos += digits;
        return hex;
    }

    private void ReadNumber()
    {
        int from = _pos;
        while (_pos < _source.Length && (char.IsAsciiDigit(_source[_pos]) || _source[_pos] == '_')) _pos++;
        bool isFloat = false;
        bool afterDot = _tokens.Count > 0 && _tokens[^1].IsOperator(".");
        if (!afterDot && _pos + 1 < _source.Length && _source[_pos] == '.' && char.IsAsciiDigit(_source[_pos + 1]))
        {
            isFloat = true;
            _pos++;
            while (_pos < _source.Length && char.IsAsciiDigit(_source[_pos])) _pos++;
        }
        if (!afterDot && _pos < _source.Length && _source[_pos] is 'e' or 'E')
        {
            int save = _pos++;
            if (_pos < _source.Length && _source[_pos] is '+' or '-') _pos++;
            if (_pos < _source.Length && char.IsAsciiDigit(_source[_pos]))
            {
                isFloat = true;
                while (_pos < _source.Length && char.IsAsciiDigit(_source[_pos])) _pos++;
            }
            else
            {
                _pos = save;
            }
        }
        _tokens.Add(new Token(isFloat ? TokenKind.Float : TokenKind.Integer, _source[from.._pos].Replace("_", ""), _line));
    }

    private void SkipWhitespace()
    {
        while (_pos < _source.Length && char.IsWhiteSpace(_source[_pos]))
        {
            if (_source[_pos] == '\n') _line++;
            _pos++;
        }
    }

    private bool At(int index, string text) => string.CompareOrdinal(_source, index, text, 0, text.Length) == 0 && index + text.Length <= _source.Length;

    private static int Count(string text, int from, int to)
    {
        int lines = 0;
        for (int i = from; i < to; i++)
        {
            if (text[i] == '\n') lines++;
        }
        return lines;
    }
}
