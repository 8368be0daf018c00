using System.Globalization;
using System.Net;
using System.Text;

namespace QwenMesh.LoadTest.Report;

/// <summary>
/// A line or bar chart as inline SVG (the report must open anywhere, offline, with no script): x is seconds into the
/// phase, each series a colour; a missing value (a slice with no request) breaks the line instead of drawing zero.
/// </summary>
public static class SvgChart
{
    const int Width = 560, Height = 220, Left = 56, Right = 12, Top = 28, Bottom = 32;

    public sealed record Series(string Name, string Colour, IReadOnlyList<double?> Values);

    public static string Lines(string title, string unit, IReadOnlyList<double> x, IReadOnlyList<Series> series) =>
        Draw(title, unit, x, series, bars: false);

    public static string Bars(string title, string unit, IReadOnlyList<double> x, IReadOnlyList<Series> series) =>
        Draw(title, unit, x, series, bars: true);

    static string Draw(string title, string unit, IReadOnlyList<double> x, IReadOnlyList<Series> series, bool bars)
    {
        double xMax = x.Count > 0 ? Math.Max(x[^1], 1) : 1;
        double yMax = series.SelectMany(s => s.Values).Where(v => v is not null).Select(v => v!.Value)
            .DefaultIfEmpty(0).Max();
        yMax = yMax > 0 ? NiceCeiling(yMax) : 1;
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double X(double v) => Left + v / xMax * plotW;
        double Y(double v) => Top + plotH - v / yMax * plotH;

        var svg = new StringBuilder();
        svg.Append(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\">"));
        svg.Append(Inv($"<title>{Esc(title)}</title><text x=\"{Left}\" y=\"16\" class=\"t\">{Esc(title)}</text>"));
        for (int i = 0; i <= 4; i++)
        {
            double v = yMax * i / 4;
            svg.Append(Inv($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(v):0.#}\" y2=\"{Y(v):0.#}\" class=\"g\"/>"));
            svg.Append(Inv($"<text x=\"{Left - 4}\" y=\"{Y(v) + 4:0.#}\" class=\"a\" text-anchor=\"end\">{v:0.##}</text>"));
        }
        svg.Append(Inv($"<text x=\"{Left}\" y=\"{Height - 6}\" class=\"a\">0 s</text>"));
        svg.Append(Inv($"<text x=\"{Width - Right}\" y=\"{Height - 6}\" class=\"a\" text-anchor=\"end\">{xMax:0.#} s</text>"));
        svg.Append(Inv($"<text x=\"{Width / 2}\" y=\"{Height - 6}\" class=\"a\" text-anchor=\"middle\">{Esc(unit)}</text>"));

        double slot = x.Count > 0 ? plotW / x.Count : plotW;
        for (int s = 0; s < series.Count; s++)
        {
            var one = series[s];
            if (bars)
            {
                // Stacked would hide small counts under large ones: side by side within each slice.
                double w = Math.Max(1, slot / series.Count - 1);
                for (int i = 0; i < x.Count; i++)
                    if (one.Values[i] is > 0 and var v)
                        svg.Append(Inv($"<rect x=\"{Left + i * slot + s * w:0.#}\" y=\"{Y(v):0.#}\" width=\"{w:0.#}\" height=\"{Top + plotH - Y(v):0.#}\" fill=\"{one.Colour}\"><title>{Esc(one.Name)}: {v:0.##}</title></rect>"));
            }
            else
            {
                var points = new List<string>();
                void Flush()
                {
                    if (points.Count > 0) svg.Append($"<polyline fill=\"none\" stroke=\"{one.Colour}\" stroke-width=\"1.8\" points=\"{string.Join(' ', points)}\"/>");
                    points.Clear();
                }
                for (int i = 0; i < x.Count; i++)
                {
                    if (one.Values[i] is { } v) points.Add(Inv($"{X(x[i]):0.#},{Y(v):0.#}"));
                    else Flush();
                }
                Flush();
            }
            svg.Append(Inv($"<rect x=\"{Left + 8 + s * 120}\" y=\"{Top - 10}\" width=\"10\" height=\"3\" fill=\"{one.Colour}\"/>"));
            svg.Append(Inv($"<text x=\"{Left + 22 + s * 120}\" y=\"{Top - 6}\" class=\"a\">{Esc(one.Name)}</text>"));
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>1, 2 or 5 times a power of ten at or above the value: gridlines at round numbers.</summary>
    static double NiceCeiling(double v)
    {
        double p = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (double m in new[] { 1.0, 2, 5, 10 })
            if (m * p >= v) return m * p;
        return 10 * p;
    }

    static string Esc(string text) => WebUtility.HtmlEncode(text);

    static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
