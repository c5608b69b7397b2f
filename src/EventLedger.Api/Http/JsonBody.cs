using System.Globalization;
using System.Text.Json;
using EventLedger.Domain.Invoices;

namespace EventLedger.Api.Http;

/// <summary>
/// Reads a JSON request body field by field so that every wrong field gets its own message
/// ("amount: must be a JSON number") instead of one opaque deserialisation failure.
/// </summary>
public sealed class JsonBody
{
    private readonly JsonElement _root;
    private readonly List<FieldError> _errors;

    private JsonBody(JsonElement root, List<FieldError> errors)
    {
        _root = root;
        _errors = errors;
    }

    public IReadOnlyList<FieldError> Errors => _errors;

    public static async Task<JsonBody> ReadAsync(HttpRequestLike request, CancellationToken ct)
    {
        try
        {
            using var doc = await JsonDocument.ParseAsync(request.Body, default, ct);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return new JsonBody(default, [new("body", "must be a JSON object")]);
            }

            return new JsonBody(doc.RootElement.Clone(), []);
        }
        catch (JsonException ex)
        {
            return new JsonBody(default, [new("body", $"is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})")]);
        }
    }

    public string RequiredString(string name) => String(name, required: true) ?? string.Empty;

    public string? OptionalString(string name) => String(name, required: false);

    public decimal RequiredDecimal(string name)
    {
        if (!TryGet(name, out var value))
        {
            _errors.Add(new(name, "is required"));
            return 0;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            _errors.Add(new(name, $"must be a JSON number, not {Describe(value)}"));
            return 0;
        }

        if (!value.TryGetDecimal(out var amount))
        {
            _errors.Add(new(name, "is not a representable decimal number"));
            return 0;
        }

        return amount;
    }

    public DateOnly RequiredDate(string name)
    {
        var text = String(name, required: true);
        if (text is null)
        {
            return default;
        }

        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            _errors.Add(new(name, $"must be a date as yyyy-MM-dd, not '{text}'"));
        }

        return date;
    }

    public JsonElement? OptionalObject(string name)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            _errors.Add(new(name, $"must be a JSON object, not {Describe(value)}"));
            return null;
        }

        return value;
    }

    private string? String(string name, bool required)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                _errors.Add(new(name, "is required"));
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            _errors.Add(new(name, $"must be a string, not {Describe(value)}"));
            return null;
        }

        return value.GetString();
    }

    private bool TryGet(string name, out JsonElement value)
    {
        value = default;
        return _root.ValueKind == JsonValueKind.Object && _root.TryGetProperty(name, out value);
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };
}

/// <summary>The part of a request the body reader needs (keeps it testable without HttpContext).</summary>
public sealed record HttpRequestLike(Stream Body);
