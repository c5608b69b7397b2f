using Marten;
using Npgsql;
using NpgsqlTypes;

namespace EventLedger.Projections.Search;

/// <summary>What the table holds for a batch's documents: every stored revision, and the document itself where the batch changes it.</summary>
/// <param name="Revisions">Id → stored revision (<c>mt_version</c>, the stream version) of every batch document that exists.</param>
/// <param name="Documents">The stored documents the batch has newer events for (the fold needs their recorded document,
/// status and verifier); documents the batch has nothing new for are not read.</param>
internal sealed record StoredDocuments(
    IReadOnlyDictionary<string, long> Revisions, IReadOnlyDictionary<string, InvoiceSearchDocument> Documents);

/// <summary>
/// The read and the two set-based writes of the read model, both into Marten's document table with the columns and values Marten's own
/// operations write (the JSON from Marten's serializer, <c>mt_version</c> = the stream version, the duplicated columns).
/// <list type="bullet">
/// <item><see cref="ReadStoredAsync"/>: one query by id array for the revisions of the batch's existing documents,
/// returning a document's JSON only where the batch holds an event newer than it (an adjustment or a void of an earlier
/// transaction); a new transaction's id costs a primary-key probe, a redelivered one its revision.</item>
/// <item><see cref="UpsertAsync"/>: a batch's documents in one statement, the set-based form of the upsert Marten's
/// <c>TryUpdateRevision</c> sends per document, with the same guard (a row is written only when its stored revision is
/// older). Marten sends one statement per document, each parsed and planned by PostgreSQL; at a thousand documents a
/// batch that parsing was most of the database's work. Here the documents travel as three arrays and one
/// <c>insert … select from unnest(…) on conflict</c> writes them; the duplicated columns are taken from the JSON in the
/// same statement, so they cannot disagree with it.</item>
/// <item><see cref="CopyAsync"/>: documents that do not exist yet, by binary COPY straight into the table (what Marten's
/// bulk insert does in <c>InsertsOnly</c> mode, but on the caller's transaction, so a batch's new documents, the ones it
/// continues and its checkpoint commit together, and with the real revision instead of Marten's 1). COPY has no
/// <c>on conflict</c>: a row another writer inserted since <see cref="ReadStoredAsync"/> fails it with a unique
/// violation (<see cref="IsUniqueViolation"/>), and the caller redoes the batch with the guarded upsert alone.</item>
/// </list>
/// </summary>
internal static class InvoiceSearchWrites
{
    private static readonly string DotnetType = typeof(InvoiceSearchDocument).FullName!;

    /// <summary>
    /// The stored revisions of the changes' documents, and the stored document of each one a change has an event newer
    /// than (by the change's highest version). Read in the caller's transaction.
    /// </summary>
    public static async Task<StoredDocuments> ReadStoredAsync(
        InvoiceSearchStore store, NpgsqlConnection connection, NpgsqlTransaction? transaction,
        IReadOnlyList<InvoiceSearchChange> changes, CancellationToken ct)
    {
        var revisions = new Dictionary<string, long>(StringComparer.Ordinal);
        var documents = new Dictionary<string, InvoiceSearchDocument>(StringComparer.Ordinal);
        if (changes.Count == 0) return new StoredDocuments(revisions, documents);
        var ids = new string[changes.Count];
        var newest = new long[changes.Count];
        for (var i = 0; i < changes.Count; i++)
        {
            ids[i] = changes[i].Id;
            newest[i] = changes[i].Events[^1].Version;
        }

        var serializer = store.Documents.Options.Serializer();
        // A nested loop of primary-key probes (~7 µs an id); "where t.id = any(@ids)" added a bitmap scan and a hash join, twice as slow.
        await using var command = new NpgsqlCommand($"""
            select t.id, t.mt_version, case when t.mt_version < r.newest then t.data end
            from unnest(@ids, @newest) as r(id, newest)
            join {store.DocumentTable} t on t.id = r.id
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = ids });
        command.Parameters.Add(new NpgsqlParameter("newest", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = newest });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetString(0);
            revisions[id] = reader.GetInt64(1);
            if (!await reader.IsDBNullAsync(2, ct))
            {
                documents[id] = await serializer.FromJsonAsync<InvoiceSearchDocument>(reader, 2, ct);
            }
        }

        return new StoredDocuments(revisions, documents);
    }

    /// <summary>Whether <paramref name="e"/> (or an exception inside it) is PostgreSQL's unique violation.</summary>
    public static bool IsUniqueViolation(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }) return true;
        }

        return false;
    }

    /// <summary>Writes <paramref name="documents"/> (distinct ids), each only over an older revision; returns the rows written.</summary>
    public static async Task<int> UpsertAsync(
        InvoiceSearchStore store, NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<InvoiceSearchDocument> documents, CancellationToken ct)
    {
        if (documents.Count == 0) return 0;
        var serializer = store.Documents.Options.Serializer();
        var ids = new string[documents.Count];
        var json = new string[documents.Count];
        var versions = new long[documents.Count];
        for (var i = 0; i < documents.Count; i++)
        {
            ids[i] = documents[i].Id;
            json[i] = serializer.ToJson(documents[i]);
            versions[i] = documents[i].LastAppliedVersion;
        }

        var table = store.DocumentTable;
        await using var command = new NpgsqlCommand($"""
            insert into {table} as t (id, data, mt_version, mt_dotnet_type, mt_last_modified,
                                      invoice_number, country, currency, invoice_date, status, item_names)
            select r.id, r.data, r.version, @type, transaction_timestamp(),
                   r.data ->> 'invoiceNumber', r.data ->> 'country', r.data ->> 'currency', (r.data ->> 'invoiceDate')::date,
                   r.data ->> 'status', array(select jsonb_array_elements_text(r.data -> 'itemNames'))
            from unnest(@ids, @data, @versions) as r(id, data, version)
            on conflict (id) do update set
                data = excluded.data, mt_version = excluded.mt_version, mt_dotnet_type = excluded.mt_dotnet_type,
                mt_last_modified = excluded.mt_last_modified, invoice_number = excluded.invoice_number,
                country = excluded.country, currency = excluded.currency, invoice_date = excluded.invoice_date,
                status = excluded.status, item_names = excluded.item_names
            where t.mt_version < excluded.mt_version
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("type", NpgsqlDbType.Varchar) { Value = DotnetType });
        command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = ids });
        command.Parameters.Add(new NpgsqlParameter("data", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = json });
        command.Parameters.Add(new NpgsqlParameter("versions", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = versions });
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Binary COPY of documents whose ids are not in the table (a duplicate fails the COPY, and the transaction).</summary>
    public static async Task CopyAsync(
        InvoiceSearchStore store, NpgsqlConnection connection, IReadOnlyList<InvoiceSearchDocument> documents, CancellationToken ct)
    {
        if (documents.Count == 0) return;
        var serializer = store.Documents.Options.Serializer();
        await using var writer = await connection.BeginBinaryImportAsync(
            $"copy {store.DocumentTable} (id, data, mt_version, mt_dotnet_type, invoice_number, country, currency, invoice_date, status, item_names) from stdin (format binary)", ct);
        foreach (var d in documents)
        {
            await writer.StartRowAsync(ct);
            await writer.WriteAsync(d.Id, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(serializer.ToJson(d), NpgsqlDbType.Jsonb, ct);
            await writer.WriteAsync(d.LastAppliedVersion, NpgsqlDbType.Bigint, ct);
            await writer.WriteAsync(DotnetType, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(d.InvoiceNumber, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(d.Country, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(d.Currency, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(d.InvoiceDate, NpgsqlDbType.Date, ct);
            await writer.WriteAsync(d.Status, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(d.ItemNames, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
        }

        await writer.CompleteAsync(ct);
    }
}
