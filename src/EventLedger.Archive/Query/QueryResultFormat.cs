using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace EventLedger.Archive.Query;

/// <summary>A query result as CSV (RFC 4180) or JSON (an array of objects), with invariant formats: ISO dates, '.' decimals.</summary>
public static class QueryResultFormat
{
    public static string ToCsv(ArchiveQueryResult result)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', result.Columns.Select(c => Quote(c.Name))).Append("\r\n");
        foreach (var row in result.Rows)
        {
            text.AppendJoin(',', row.Select(v => Quote(Text(v)))).Append("\r\n");
        }

        return text.ToString();
    }

    /// <summary>The rows as a JSON array of objects (what <c>archive query --format json</c> prints).</summary>
    public static string ToJson(ArchiveQueryResult result) => Write(json => WriteRows(json, result), indented: true);

    /// <summary><c>{columns: [{name, type}], rows: [{…}], truncated, objects}</c>: the HTTP answer.</summary>
    public static string ToResponseJson(ArchiveQueryResult result) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteStartArray("columns");
        foreach (var column in result.Columns)
        {
            json.WriteStartObject();
            json.WriteString("name", column.Name);
            json.WriteString("type", column.Type);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WritePropertyName("rows");
        WriteRows(json, result);
        json.WriteBoolean("truncated", result.Truncated);
        json.WriteNumber("objects", result.Objects);
        json.WriteEndObject();
    }, indented: false);

    private static void WriteRows(Utf8JsonWriter json, ArchiveQueryResult result)
    {
        json.WriteStartArray();
        foreach (var row in result.Rows)
        {
            json.WriteStartObject();
            for (var i = 0; i < row.Length; i++)
            {
                json.WritePropertyName(result.Columns[i].Name);
                WriteValue(json, row[i]);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static string Write(Action<Utf8JsonWriter> write, bool indented)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(json);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>One value as text: what the table and CSV show.</summary>
    public static string Text(object? value) => value switch
    {
        null => "",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString(t.TimeOfDay == TimeSpan.Zero && t.Kind == DateTimeKind.Unspecified ? "yyyy-MM-dd" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture),
        DateTimeOffset o => o.Offset == TimeSpan.Zero
            ? o.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)
            : o.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>A query result's values (DuckDB.NET's types) as JSON: numbers stay numbers, times become ISO text.</summary>
    public static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case bool b: json.WriteBooleanValue(b); break;
            case decimal m: json.WriteNumberValue(m); break;
            case double d when double.IsFinite(d): json.WriteNumberValue(d); break;
            case float f when float.IsFinite(f): json.WriteNumberValue(f); break;
            case long or int or short or sbyte or byte or ushort or uint or ulong: json.WriteRawValue(Text(value)); break;
            case BigInteger big: json.WriteRawValue(big.ToString(CultureInfo.InvariantCulture)); break;
            default: json.WriteStringValue(Text(value)); break;
        }
    }

    private static string Quote(string text) =>
        text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : text;
}
