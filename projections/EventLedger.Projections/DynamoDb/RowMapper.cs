using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.Projections.DynamoDb;

/// <summary>Marks the row property that is the table's partition key.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PartitionKeyAttribute : Attribute;

/// <summary>Marks the row property that is the table's sort key.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SortKeyAttribute : Attribute;

/// <summary>
/// Marks the row property that holds the last stream version applied to the row (the version guard). Without it, the
/// property named <c>LastAppliedVersion</c> is the one.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AppliedVersionAttribute : Attribute;

/// <summary>
/// Maps a row record to a DynamoDB item and back by convention, so a read model declares its row once and no table
/// code: each public property is an attribute named in camelCase; strings, <see cref="Guid"/>s, dates
/// (<c>yyyy-MM-dd</c>), times (ISO 8601, UTC) and enums (camelCase name) are <c>S</c>; integers and decimals are
/// <c>N</c> (invariant, exact); a nested record is an <c>M</c>; a null is left out. Reading goes through the record's
/// primary constructor; an absent number reads as 0 (counters), an absent nullable as null. Properties, the constructor and
/// the record's copy are reached through delegates compiled once per row type, not reflection per call: every event of a
/// catch-up maps a few rows each way.
/// </summary>
public sealed class RowMapper<TRow> where TRow : class
{
    private readonly Mapping _mapping = Mapping.For(typeof(TRow));
    private readonly Func<TRow, long> _appliedVersion;
    private readonly Func<TRow, long, TRow> _withAppliedVersion;

    public RowMapper()
    {
        var properties = _mapping.Properties;
        PartitionKey = properties.SingleOrDefault(p => p.Info.IsDefined(typeof(PartitionKeyAttribute)))
            ?? throw new InvalidOperationException($"{typeof(TRow).Name} needs one [property: PartitionKey].");
        SortKey = properties.SingleOrDefault(p => p.Info.IsDefined(typeof(SortKeyAttribute)));
        AppliedVersion = properties.SingleOrDefault(p => p.Info.IsDefined(typeof(AppliedVersionAttribute)))
            ?? properties.SingleOrDefault(p => p.Info.Name == "LastAppliedVersion" && p.Info.PropertyType == typeof(long))
            ?? throw new InvalidOperationException($"{typeof(TRow).Name} needs a long LastAppliedVersion or an [property: AppliedVersion].");
        (_appliedVersion, _withAppliedVersion) = CompileAppliedVersion(AppliedVersion.Info);
        foreach (var key in new[] { PartitionKey, SortKey })
        {
            if (key is not null && key.Kind is not (ValueKind.String or ValueKind.Integer))
            {
                throw new InvalidOperationException($"{typeof(TRow).Name}.{key.Info.Name}: a key is a string or an integer.");
            }
        }
    }

    internal MappedProperty PartitionKey { get; }

    internal MappedProperty? SortKey { get; }

    internal MappedProperty AppliedVersion { get; }

    /// <summary>The table's key schema (attribute names and types) for a table name.</summary>
    public ReadModelTableDefinition Table(string tableName) =>
        new(tableName, PartitionKey.KeyAttribute, SortKey?.KeyAttribute);

    public long AppliedVersionOf(TRow row) => _appliedVersion(row);

    /// <summary>A copy of <paramref name="row"/> with its applied version set: handlers never write the guard themselves.</summary>
    public TRow WithAppliedVersion(TRow row, long version) => AppliedVersionOf(row) == version ? row : _withAppliedVersion(row, version);

    public Dictionary<string, AttributeValue> ToItem(TRow row) => _mapping.ToItem(row);

    public TRow FromItem(IReadOnlyDictionary<string, AttributeValue> item) => (TRow)_mapping.FromItem(item);

    /// <summary>The key item of a row key (a partition value and, for tables with a sort key, a sort value).</summary>
    public Dictionary<string, AttributeValue> Key(RowKey key)
    {
        var item = new Dictionary<string, AttributeValue>(2) { [PartitionKey.Name] = PartitionKey.ToAttribute(key.Partition)! };
        if (SortKey is not null)
        {
            item[SortKey.Name] = SortKey.ToAttribute(key.Sort ?? throw new ArgumentException($"{typeof(TRow).Name} rows need a sort key value.", nameof(key)))!;
        }

        return item;
    }

    public RowKey KeyOf(TRow row) => new((string)PartitionKey.Get(row)!, SortKey?.Get(row));

    /// <summary>
    /// The guard's getter, and a copy with the guard set: the record's own copy (<c>&lt;Clone&gt;$</c>, what <c>with</c>
    /// calls) followed by the property's init setter.
    /// </summary>
    private static (Func<TRow, long>, Func<TRow, long, TRow>) CompileAppliedVersion(PropertyInfo property)
    {
        var clone = typeof(TRow).GetMethod("<Clone>$") ?? throw new InvalidOperationException($"{typeof(TRow).Name} must be a record.");
        var setter = property.SetMethod ?? throw new InvalidOperationException($"{typeof(TRow).Name}.{property.Name} needs a setter (init).");
        var row = Expression.Parameter(typeof(TRow), "row");
        var version = Expression.Parameter(typeof(long), "version");
        var get = Expression.Lambda<Func<TRow, long>>(Expression.Convert(Expression.Property(row, property), typeof(long)), row).Compile();
        var copy = Expression.Variable(typeof(TRow), "copy");
        var with = Expression.Lambda<Func<TRow, long, TRow>>(
            Expression.Block(
                [copy],
                Expression.Assign(copy, Expression.Convert(Expression.Call(row, clone), typeof(TRow))),
                Expression.Call(copy, setter, Expression.Convert(version, property.PropertyType)),
                copy),
            row, version).Compile();
        return (get, with);
    }

    internal enum ValueKind { String, Integer, Decimal, Time, Date, Guid, Enum, Record }

    internal sealed class MappedProperty
    {
        private readonly Mapping? _nested;
        private readonly Type _type;
        private readonly object? _zero;
        private readonly IReadOnlyDictionary<object, string>? _enumNames;

        public MappedProperty(PropertyInfo info, ValueKind kind, bool nullable, Mapping? nested)
        {
            Info = info;
            Name = JsonNamingPolicy.CamelCase.ConvertName(info.Name);
            Kind = kind;
            Nullable = nullable;
            _nested = nested;
            _type = System.Nullable.GetUnderlyingType(info.PropertyType) ?? info.PropertyType;
            _zero = kind is ValueKind.Integer or ValueKind.Decimal ? Activator.CreateInstance(_type) : null;
            _enumNames = kind == ValueKind.Enum
                ? Enum.GetValues(_type).Cast<object>().Distinct().ToDictionary(v => v, v => JsonNamingPolicy.CamelCase.ConvertName(v.ToString()!))
                : null;
            var instance = Expression.Parameter(typeof(object), "row");
            Get = Expression.Lambda<Func<object, object?>>(
                Expression.Convert(Expression.Property(Expression.Convert(instance, info.DeclaringType!), info), typeof(object)), instance).Compile();
        }

        public PropertyInfo Info { get; }
        public string Name { get; }
        public ValueKind Kind { get; }
        public bool Nullable { get; }

        /// <summary>The property's value of a row (boxed).</summary>
        public Func<object, object?> Get { get; }

        public KeyAttribute KeyAttribute => new(Name, Kind == ValueKind.String ? ScalarAttributeType.S : ScalarAttributeType.N);

        public AttributeValue? ToAttribute(object? value) => value is null ? null : Kind switch
        {
            ValueKind.String => new AttributeValue { S = (string)value },
            ValueKind.Time => new AttributeValue { S = ((DateTimeOffset)value).UtcDateTime.ToString("O", CultureInfo.InvariantCulture) },
            ValueKind.Date => new AttributeValue { S = ((DateOnly)value).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) },
            ValueKind.Guid => new AttributeValue { S = ((Guid)value).ToString() },
            ValueKind.Enum => new AttributeValue { S = _enumNames!.TryGetValue(value, out var name) ? name : JsonNamingPolicy.CamelCase.ConvertName(value.ToString()!) },
            ValueKind.Integer or ValueKind.Decimal => new AttributeValue { N = ((IFormattable)value).ToString(null, CultureInfo.InvariantCulture) },
            ValueKind.Record => new AttributeValue { M = _nested!.ToItem(value) },
            _ => throw new InvalidOperationException($"{Info.DeclaringType?.Name}.{Info.Name}: cannot map {value.GetType().Name}."),
        };

        public object? FromAttribute(AttributeValue? value)
        {
            if (value is null || (value.NULL ?? false))
            {
                return Kind switch
                {
                    _ when Nullable => null,
                    ValueKind.Integer or ValueKind.Decimal => _zero, // a counter kept with ADD: absent is 0
                    _ => throw new InvalidDataException($"Read-model item has no '{Name}' attribute."),
                };
            }

            return Kind switch
            {
                ValueKind.String => value.S,
                ValueKind.Integer when _type == typeof(long) => long.Parse(value.N, NumberStyles.Integer, CultureInfo.InvariantCulture),
                ValueKind.Integer => checked((int)long.Parse(value.N, NumberStyles.Integer, CultureInfo.InvariantCulture)),
                ValueKind.Decimal => decimal.Parse(value.N, NumberStyles.Float, CultureInfo.InvariantCulture),
                ValueKind.Time => DateTimeOffset.Parse(value.S, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                ValueKind.Date => DateOnly.ParseExact(value.S, "yyyy-MM-dd", CultureInfo.InvariantCulture),
                ValueKind.Guid => Guid.Parse(value.S),
                ValueKind.Enum => Enum.Parse(_type, value.S, ignoreCase: true),
                _ => _nested!.FromItem(value.M ?? []),
            };
        }
    }

    internal sealed class Mapping
    {
        private static readonly NullabilityInfoContext Nullability = new();
        private readonly Func<object?[], object> _construct;
        private readonly MappedProperty[] _byParameter;

        private Mapping(Type type)
        {
            Properties = [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
                .Select(Map)];
            var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
            _byParameter = [.. constructor.GetParameters().Select(p =>
                Properties.SingleOrDefault(m => string.Equals(m.Info.Name, p.Name, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidOperationException($"{type.Name}: constructor parameter '{p.Name}' has no property."))];
            var values = Expression.Parameter(typeof(object?[]), "values");
            _construct = Expression.Lambda<Func<object?[], object>>(
                Expression.Convert(
                    Expression.New(constructor, constructor.GetParameters().Select((p, i) =>
                        Expression.Convert(Expression.ArrayIndex(values, Expression.Constant(i)), p.ParameterType))),
                    typeof(object)),
                values).Compile();
        }

        public IReadOnlyList<MappedProperty> Properties { get; }

        public static Mapping For(Type type) => new(type);

        public Dictionary<string, AttributeValue> ToItem(object row)
        {
            var item = new Dictionary<string, AttributeValue>(Properties.Count);
            foreach (var property in Properties)
            {
                if (property.ToAttribute(property.Get(row)) is { } value)
                {
                    item[property.Name] = value;
                }
            }

            return item;
        }

        public object FromItem(IReadOnlyDictionary<string, AttributeValue> item)
        {
            var values = new object?[_byParameter.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = _byParameter[i].FromAttribute(item.GetValueOrDefault(_byParameter[i].Name));
            }

            return _construct(values);
        }

        private static MappedProperty Map(PropertyInfo property)
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var nullable = Nullable.GetUnderlyingType(property.PropertyType) is not null
                || (!property.PropertyType.IsValueType && Nullability.Create(property).ReadState == NullabilityState.Nullable);
            var kind = type switch
            {
                _ when type == typeof(string) => ValueKind.String,
                _ when type == typeof(long) || type == typeof(int) => ValueKind.Integer,
                _ when type == typeof(decimal) => ValueKind.Decimal,
                _ when type == typeof(DateTimeOffset) => ValueKind.Time,
                _ when type == typeof(DateOnly) => ValueKind.Date,
                _ when type == typeof(Guid) => ValueKind.Guid,
                _ when type.IsEnum => ValueKind.Enum,
                _ when type.IsClass => ValueKind.Record,
                _ => throw new InvalidOperationException($"{property.DeclaringType?.Name}.{property.Name}: {type.Name} has no DynamoDB mapping."),
            };
            return new MappedProperty(property, kind, nullable, kind == ValueKind.Record ? For(type) : null);
        }
    }
}

/// <summary>Which row an event touches: the partition value (the invoice) and, for tables with one, the sort value.</summary>
public readonly record struct RowKey(string Partition, object? Sort);
