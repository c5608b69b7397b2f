using System.Globalization;
using System.Text;

namespace EventLedger.Benchmarks.Infrastructure;

/// <summary>One measured figure next to its ceiling or peer measured in the same run, and the brief's target ratio.</summary>
public sealed record BenchRow(string Figure, double Value, string Unit, string Peer, double? PeerValue, double? TargetRatio, string Note = "")
{
    public double? Ratio => PeerValue is > 0 ? Value / PeerValue : null;
    public string Verdict => TargetRatio is null || Ratio is null ? "" : Ratio >= TargetRatio ? "meets" : "below";
}

/// <summary>
/// Collects a scenario's rows and rewrites that scenario's section of docs/benchmarks.md (between
/// <c>&lt;!-- bench:NAME --&gt;</c> markers), so scenarios can be run one at a time without losing the others.
/// </summary>
public sealed class BenchReport(string scenario, string title)
{
    private readonly List<BenchRow> _rows = [];
    private readonly List<string> _notes = [];

    public void Add(BenchRow row)
    {
        _rows.Add(row);
        Console.WriteLine($"  {row.Figure}: {Fmt(row.Value)} {row.Unit}" +
            (row.PeerValue is { } p ? $"  | {row.Peer}: {Fmt(p)}  | ratio {row.Ratio:F2}" : "") +
            (row.TargetRatio is { } t ? $" (target ≥ {t:0.##}: {row.Verdict})" : "") +
            (row.Note.Length > 0 ? $"  [{row.Note}]" : ""));
    }

    public void Note(string text)
    {
        _notes.Add(text);
        Console.WriteLine("  note: " + text);
    }

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"### {title}");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        sb.AppendLine();
        sb.AppendLine("| figure | value | ceiling / peer (same run) | ratio | target | verdict |");
        sb.AppendLine("|---|---:|---|---:|---:|---|");
        foreach (var r in _rows)
        {
            var peer = r.PeerValue is { } p ? $"{r.Peer}: {Fmt(p)} {r.Unit}" : r.Peer;
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Figure}{(r.Note.Length > 0 ? $" ({r.Note})" : "")} | {Fmt(r.Value)} {r.Unit} | {peer} | {(r.Ratio is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) : "")} | {(r.TargetRatio is { } t ? "≥ " + t.ToString("0.##", CultureInfo.InvariantCulture) : "")} | {r.Verdict} |");
        }

        foreach (var n in _notes)
        {
            sb.AppendLine();
            sb.AppendLine("- " + n);
        }

        return sb.ToString();
    }

    public void WriteTo(string path)
    {
        var begin = $"<!-- bench:{scenario} -->";
        var end = $"<!-- /bench:{scenario} -->";
        var section = $"{begin}\n{ToMarkdown()}{end}";
        var text = File.Exists(path) ? File.ReadAllText(path) : "# Benchmarks\n\n<!-- machine -->\n<!-- /machine -->\n";
        var i = text.IndexOf(begin, StringComparison.Ordinal);
        var j = text.IndexOf(end, StringComparison.Ordinal);
        text = i >= 0 && j > i ? text[..i] + section + text[(j + end.Length)..] : text.TrimEnd() + "\n\n" + section + "\n";
        File.WriteAllText(path, text);
    }

    public static string Fmt(double v) => v >= 100 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.0#", CultureInfo.InvariantCulture);
}
