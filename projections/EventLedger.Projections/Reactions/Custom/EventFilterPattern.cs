using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EventLedger.Projections.Reactions.Custom;

/// <summary>
/// A filter pattern in the style of Lambda's event filtering (and EventBridge's patterns): a JSON object whose keys name
/// fields of the event (nested objects for nested fields) and whose leaves are arrays of rules, any of which may match.
/// Every key must match. Rules: a literal (string, number, true/false, null: equal; numbers compare by value),
/// <c>{"prefix": "x"}</c>, <c>{"suffix": "x"}</c>, <c>{"equals-ignore-case": "x"}</c>,
/// <c>{"anything-but": value | [values] | {"prefix": "x"}}</c>, <c>{"numeric": ["&gt;", 0, "&lt;=", 100]}</c> (operators
/// <c>= &gt; &gt;= &lt; &lt;=</c>, one or two comparisons), <c>{"exists": true|false}</c>. A top-level
/// <c>"$or": [pattern, …]</c> matches when any of its patterns does (and the other keys do). A field holding an array
/// matches when any element does. A missing field matches only <c>{"exists": false}</c>.
/// </summary>
public sealed class EventFilterPattern
{
    private readonly Func<JsonNode?, bool> _matches;

    private EventFilterPattern(string text, Func<JsonNode?, bool> matches)
    {
        Text = text;
        _matches = matches;
    }

    /// <summary>The pattern as configured.</summary>
    public string Text { get; }

    /// <exception cref="EventFilterPatternException">The pattern is not valid JSON or uses an unknown rule.</exception>
    public static EventFilterPattern Parse(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new EventFilterPatternException($"The filter pattern is not valid JSON: {ex.Message}");
        }

        if (root is not JsonObject pattern)
        {
            throw new EventFilterPatternException("A filter pattern is a JSON object, e.g. {\"eventType\": [\"TransactionRecorded\"]}.");
        }

        return new EventFilterPattern(json, CompileObject(pattern, "", allowOr: true));
    }

    public bool Matches(JsonNode? document) => _matches(document);

    private static Func<JsonNode?, bool> CompileObject(JsonObject pattern, string path, bool allowOr)
    {
        var checks = new List<Func<JsonNode?, bool>>();
        foreach (var (key, value) in pattern)
        {
            var here = path.Length == 0 ? key : $"{path}.{key}";
            if (key == "$or")
            {
                if (!allowOr || value is not JsonArray { Count: > 0 } alternatives || alternatives.Any(a => a is not JsonObject))
                {
                    throw new EventFilterPatternException($"\"$or\" at {(path.Length == 0 ? "the top level" : path)} must be a non-empty array of patterns (and only at the top level).");
                }

                var compiled = alternatives.Select(a => CompileObject((JsonObject)a!, path, allowOr: false)).ToList();
                checks.Add(doc => compiled.Any(c => c(doc)));
                continue;
            }

            switch (value)
            {
                case JsonObject nested:
                    var inner = CompileObject(nested, here, allowOr: false);
                    checks.Add(doc => inner(doc is JsonObject o && o.TryGetPropertyValue(key, out var v) ? v : null));
                    break;
                case JsonArray { Count: > 0 } rules:
                    var leaf = CompileRules(rules, here);
                    checks.Add(doc =>
                    {
                        var present = doc is JsonObject o && o.TryGetPropertyValue(key, out _);
                        var field = present ? ((JsonObject)doc!)[key] : null;
                        return leaf(present, field);
                    });
                    break;
                default:
                    throw new EventFilterPatternException($"\"{here}\" must be an object (nested fields) or a non-empty array of rules, e.g. [\"TransactionRecorded\"].");
            }
        }

        return doc => checks.All(c => c(doc));
    }

    /// <summary>Rules of one field: (is the field present, its value) → any rule matches.</summary>
    private static Func<bool, JsonNode?, bool> CompileRules(JsonArray rules, string path)
    {
        var compiled = rules.Select(r => CompileRule(r, path)).ToList();
        return (present, value) =>
        {
            // An array field matches when any of its elements does.
            if (present && value is JsonArray elements)
            {
                return elements.Any(element => compiled.Any(rule => rule(true, element)));
            }

            return compiled.Any(rule => rule(present, value));
        };
    }

    private static Func<bool, JsonNode?, bool> CompileRule(JsonNode? rule, string path)
    {
        if (rule is not JsonObject operation)
        {
            // A literal: equal (numbers by value); null matches a null field.
            return (present, value) => present && LiteralEquals(rule, value);
        }

        if (operation.Count != 1)
        {
            throw new EventFilterPatternException($"A rule of \"{path}\" must have exactly one operator, e.g. {{\"prefix\": \"Client1_\"}}.");
        }

        var (op, argument) = operation.First();
        switch (op)
        {
            case "prefix":
                var prefix = StringArgument(argument, path, op);
                return (present, value) => present && AsString(value) is { } s && s.StartsWith(prefix, StringComparison.Ordinal);
            case "suffix":
                var suffix = StringArgument(argument, path, op);
                return (present, value) => present && AsString(value) is { } s && s.EndsWith(suffix, StringComparison.Ordinal);
            case "equals-ignore-case":
                var text = StringArgument(argument, path, op);
                return (present, value) => present && AsString(value) is { } s && string.Equals(s, text, StringComparison.OrdinalIgnoreCase);
            case "exists":
                if (argument is not JsonValue v || v.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    throw new EventFilterPatternException($"\"exists\" of \"{path}\" takes true or false.");
                }

                var exists = v.GetValue<bool>();
                return (present, value) => exists ? present && value is not null : !present;
            case "numeric":
                var range = NumericRange(argument, path);
                return (present, value) => present && AsNumber(value) is { } n && range(n);
            case "anything-but":
                var excluded = AnythingBut(argument, path);
                return (present, value) => present && !excluded(value);
            default:
                throw new EventFilterPatternException(
                    $"Unknown rule \"{op}\" on \"{path}\" (known: prefix, suffix, equals-ignore-case, anything-but, numeric, exists, or a literal value).");
        }
    }

    private static Func<JsonNode?, bool> AnythingBut(JsonNode? argument, string path)
    {
        switch (argument)
        {
            case JsonObject { Count: 1 } o when o.ContainsKey("prefix"):
                var prefix = StringArgument(o["prefix"], path, "anything-but prefix");
                return value => AsString(value) is { } s && s.StartsWith(prefix, StringComparison.Ordinal);
            case JsonObject:
                throw new EventFilterPatternException($"\"anything-but\" of \"{path}\" takes a value, an array of values or {{\"prefix\": \"…\"}}.");
            case JsonArray values:
                var literals = values.Select(v => v?.DeepClone()).ToList();
                return value => literals.Any(l => LiteralEquals(l, value));
            default:
                var literal = argument?.DeepClone();
                return value => LiteralEquals(literal, value);
        }
    }

    private static Func<decimal, bool> NumericRange(JsonNode? argument, string path)
    {
        if (argument is not JsonArray { Count: 2 or 4 } parts)
        {
            throw new EventFilterPatternException($"\"numeric\" of \"{path}\" takes [op, number] or [op, number, op, number], e.g. [\">\", 0, \"<=\", 100].");
        }

        var comparisons = new List<Func<decimal, bool>>();
        for (var i = 0; i < parts.Count; i += 2)
        {
            var op = AsString(parts[i]);
            var bound = AsNumber(parts[i + 1])
                ?? throw new EventFilterPatternException($"\"numeric\" of \"{path}\": {parts[i + 1]?.ToJsonString() ?? "null"} is not a number.");
            comparisons.Add(op switch
            {
                "=" => n => n == bound,
                ">" => n => n > bound,
                ">=" => n => n >= bound,
                "<" => n => n < bound,
                "<=" => n => n <= bound,
                _ => throw new EventFilterPatternException($"\"numeric\" of \"{path}\": unknown operator {parts[i]?.ToJsonString() ?? "null"} (use = > >= < <=)."),
            });
        }

        return n => comparisons.All(c => c(n));
    }

    private static string StringArgument(JsonNode? argument, string path, string op) =>
        argument is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw new EventFilterPatternException($"\"{op}\" of \"{path}\" takes a string.");

    private static bool LiteralEquals(JsonNode? literal, JsonNode? value)
    {
        if (literal is null || value is null)
        {
            return literal is null && value is null;
        }

        if (AsNumber(literal) is { } a)
        {
            return AsNumber(value) is { } b && a == b;
        }

        return JsonNode.DeepEquals(literal, value);
    }

    private static string? AsString(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static decimal? AsNumber(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
            ? n
            : null;
}

/// <summary>A filter pattern that cannot be used; the message names the field and the rule.</summary>
public sealed class EventFilterPatternException(string message) : Exception(message);
