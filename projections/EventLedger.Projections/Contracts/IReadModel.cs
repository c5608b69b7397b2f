using EventLedger.Domain.Invoices;

namespace EventLedger.Projections.Contracts;

/// <summary>
/// A read model as declared: a stable name (checkpoints, rebuilds, the API and table names use it), the schema version its
/// code writes (a new one is built side by side and switched to when caught up), and which events it takes. Each store
/// has a base that turns a declaration into a running projection: <see cref="DynamoDb.DynamoDbReadModel{TRow}"/> for
/// rows in DynamoDB, <see cref="IPostgresReadModel"/> for PostgreSQL. Every read model is listed once, in
/// <see cref="ReadModelCatalog"/>.
/// </summary>
public interface IReadModel
{
    /// <summary>Stable name, e.g. <c>invoice-totals</c>.</summary>
    string Name { get; }

    /// <summary>The schema version this code writes.</summary>
    int SchemaVersion { get; }

    /// <summary>
    /// True when the event changes this read model. Read-your-writes uses it: a read model has applied version N of an
    /// invoice when its rows reached N, or when no event in between is one it takes.
    /// </summary>
    bool Handles(IInvoiceEvent e);
}
