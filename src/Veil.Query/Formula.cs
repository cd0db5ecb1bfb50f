using System.Globalization;

namespace Veil.Query;

/// <summary>
/// A formula over insights series: letters A, B, … name the series in order; numbers, + - * / and parentheses.
/// Evaluated per cell; a division by zero or a missing operand gives no value.
/// </summary>
public sealed class Formula
{
    public const int MaxLength = 200;

    private readonly Func<Func<int, double?>, double?> _evaluate;

    private Formula(string text, Func<Func<int, double?>, double?> evaluate)
    {
        Text = text;
        _evaluate = evaluate;
    }

    public string Text { get; }

    /// <summary>Parses <paramref name="text"/> for a report of <paramref name="seriesCount"/> series.</summary>
    /// <exception cref="QueryValidationException">Syntax error or a letter naming no series.</exception>
    public static Formula Parse(string text, int seriesCount)
    {
        if (text.Length is 0 or > MaxLength) throw new QueryValidationException($"`formula` must be 1-{MaxLength} characters.");
        var parser = new Parser(text, seriesCount);
        var expression = parser.Expression();
        parser.SkipSpaces();
        if (parser.Position < text.Length) throw parser.Error("unexpected character");
        return new Formula(text, expression);
    }

    /// <summary>The formula's value given each series' value in a cell.</summary>
    public double? Evaluate(Func<int, double?> series)
    {
        var value = _evaluate(series);
        return value is { } v && double.IsFinite(v) ? v : null;
    }

    private sealed class Parser(string text, int seriesCount)
    {
        private int _depth;

        public int Position { get; private set; }

        public Func<Func<int, double?>, double?> Expression()
        {
            var left = Term();
            while (Peek() is '+' or '-')
            {
                var op = text[Position++];
                var (l, r) = (left, Term());
                left = op == '+' ? s => l(s) + r(s) : s => l(s) - r(s);
            }
            return left;
        }

        public void SkipSpaces()
        {
            while (Position < text.Length && text[Position] == ' ') Position++;
        }

        public QueryValidationException Error(string what) => new($"`formula`: {what} at position {Position + 1} of \"{text}\".");

        private Func<Func<int, double?>, double?> Term()
        {
            var left = Factor();
            while (Peek() is '*' or '/')
            {
                var op = text[Position++];
                var (l, r) = (left, Factor());
                left = op == '*' ? s => l(s) * r(s) : s => r(s) is 0 ? null : l(s) / r(s);
            }
            return left;
        }

        private Func<Func<int, double?>, double?> Factor()
        {
            var c = Peek();
            if (c == '(')
            {
                if (++_depth > 20) throw Error("too deeply nested");
                Position++;
                var inner = Expression();
                if (Peek() != ')') throw Error("missing )");
                Position++;
                _depth--;
                return inner;
            }
            if (c == '-')
            {
                Position++;
                var inner = Factor();
                return s => -inner(s);
            }
            if (c is >= 'A' and <= 'Z')
            {
                var index = text[Position++] - 'A';
                if (index >= seriesCount) throw Error($"series {(char)('A' + index)} does not exist");
                return s => s(index);
            }
            if (c is >= '0' and <= '9' or '.')
            {
                var start = Position;
                while (Position < text.Length && (char.IsAsciiDigit(text[Position]) || text[Position] == '.')) Position++;
                if (!double.TryParse(text.AsSpan(start, Position - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    throw Error("bad number");
                }
                return _ => number;
            }
            throw Error(c is null ? "unexpected end" : "unexpected character");
        }

        private char? Peek()
        {
            SkipSpaces();
            return Position < text.Length ? text[Position] : null;
        }
    }
}
