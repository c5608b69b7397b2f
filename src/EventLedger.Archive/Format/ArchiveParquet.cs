using System.IO.Compression;
using EventLedger.EventStore.Events;
using Parquet;

namespace EventLedger.Archive.Format;

/// <summary>Writes events as one Parquet object (one row group, stream order) and reads them back.</summary>
internal static class ArchiveParquet
{
    /// <summary>The events as a Parquet file in <see cref="ArchiveSchema"/>.</summary>
    public static async Task<byte[]> WriteAsync(IReadOnlyList<StoredEvent> events, string compression, CancellationToken cancellationToken)
    {
        var rows = ArchiveRows.From(events);
        using var buffer = new MemoryStream();
        var options = new ParquetOptions
        {
            CompressionMethod = compression switch
            {
                "snappy" => CompressionMethod.Snappy,
                "gzip" => CompressionMethod.Gzip,
                "none" => CompressionMethod.None,
                _ => CompressionMethod.Zstd,
            },
            // The managed zstd at its default level is several times slower than Snappy; its fastest level compresses
            // these rows about 4x better than Snappy at close to Snappy's speed (measured on 200,000 rows).
            CompressionLevel = CompressionLevel.Fastest,
        };
        await using (var writer = await ParquetWriter.CreateAsync(ArchiveSchema.Schema, buffer, options, cancellationToken: cancellationToken))
        {
            writer.CustomMetadata = new Dictionary<string, string> { [ArchiveSchema.SchemaVersionKey] = ArchiveSchema.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(ArchiveSchema.StreamId, rows.StreamIds);
            await group.WriteAsync<long>(ArchiveSchema.StreamVersion, rows.Versions.AsMemory(), cancellationToken: cancellationToken);
            await group.WriteAsync(ArchiveSchema.EventId, rows.EventIds);
            await group.WriteAsync(ArchiveSchema.EventType, rows.EventTypes);
            await group.WriteAsync<int>(ArchiveSchema.EventSchemaVersion, rows.SchemaVersions.AsMemory(), cancellationToken: cancellationToken);
            await group.WriteAsync<DateTime>(ArchiveSchema.RecordedAt, rows.RecordedAt.AsMemory(), cancellationToken: cancellationToken);
            await group.WriteAsync(ArchiveSchema.TransactionId, rows.TransactionIds);
            await group.WriteAsync<decimal>(ArchiveSchema.Amount, rows.Amounts.AsMemory(), cancellationToken: cancellationToken);
            await group.WriteAsync<decimal>(ArchiveSchema.PreviousAmount, rows.PreviousAmounts.AsMemory(), cancellationToken: cancellationToken);
            await group.WriteAsync(ArchiveSchema.Currency, rows.Currencies);
            await group.WriteAsync(ArchiveSchema.Country, rows.Countries);
            await group.WriteAsync<DateOnly>(ArchiveSchema.InvoiceDate, rows.InvoiceDates.AsMemory(), cancellationToken: cancellationToken);
            await group.WriteAsync(ArchiveSchema.Verifier, rows.Verifiers);
            await group.WriteAsync(ArchiveSchema.Payload, rows.Payloads);
            await group.WriteAsync(ArchiveSchema.Metadata, rows.Metadata);
        }

        return buffer.ToArray();
    }

    /// <summary>The events of an object (those of the invoices <paramref name="keep"/> accepts, when given), in the order stored.</summary>
    public static async Task<List<StoredEvent>> ReadEventsAsync(Stream parquet, CancellationToken cancellationToken, Func<string, bool>? keep = null)
    {
        var result = new List<StoredEvent>();
        await using var reader = await ParquetReader.CreateAsync(parquet, cancellationToken: cancellationToken);
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var rows = new ArchiveRows(checked((int)group.RowCount));
            await group.ReadAsync(ArchiveSchema.StreamId, rows.StreamIds.AsMemory()!, cancellationToken: cancellationToken);
            await group.ReadAsync<long>(ArchiveSchema.StreamVersion, rows.Versions.AsMemory(), cancellationToken: cancellationToken);
            await group.ReadAsync(ArchiveSchema.EventId, rows.EventIds.AsMemory()!, cancellationToken: cancellationToken);
            await group.ReadAsync(ArchiveSchema.EventType, rows.EventTypes.AsMemory()!, cancellationToken: cancellationToken);
            await group.ReadAsync<int>(ArchiveSchema.EventSchemaVersion, rows.SchemaVersions.AsMemory(), cancellationToken: cancellationToken);
            await group.ReadAsync<DateTime>(ArchiveSchema.RecordedAt, rows.RecordedAt.AsMemory(), cancellationToken: cancellationToken);
            await group.ReadAsync(ArchiveSchema.Payload, rows.Payloads.AsMemory()!, cancellationToken: cancellationToken);
            await group.ReadAsync(ArchiveSchema.Metadata, rows.Metadata.AsMemory()!, cancellationToken: cancellationToken);
            for (var i = 0; i < rows.Count; i++)
            {
                if (keep is null || keep(rows.StreamIds[i]))
                {
                    result.Add(rows.ToEvent(i));
                }
            }
        }

        return result;
    }

    /// <summary>The (stream id, version) of every row of an object, reading those two columns only.</summary>
    public static async Task<List<(string StreamId, long Version)>> ReadKeysAsync(Stream parquet, CancellationToken cancellationToken)
    {
        var result = new List<(string, long)>();
        await using var reader = await ParquetReader.CreateAsync(parquet, cancellationToken: cancellationToken);
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var count = checked((int)group.RowCount);
            var streams = new string?[count];
            var versions = new long[count];
            await group.ReadAsync(ArchiveSchema.StreamId, streams.AsMemory(), cancellationToken: cancellationToken);
            await group.ReadAsync<long>(ArchiveSchema.StreamVersion, versions.AsMemory(), cancellationToken: cancellationToken);
            for (var i = 0; i < count; i++)
            {
                result.Add((streams[i]!, versions[i]));
            }
        }

        return result;
    }
}
