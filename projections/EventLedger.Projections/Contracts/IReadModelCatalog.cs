using EventLedger.Projections.Common;

namespace EventLedger.Projections.Contracts;

/// <summary>Which table version of each read model readers should use right now (the live one).</summary>
public interface IReadModelCatalog
{
    ValueTask<ReadModelTable> LiveTableAsync(string name, CancellationToken cancellationToken);
}

/// <summary>Every read model at version 1: the catalog before any rebuild exists.</summary>
public sealed class StaticReadModelCatalog(string tablePrefix) : IReadModelCatalog
{
    public ValueTask<ReadModelTable> LiveTableAsync(string name, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new ReadModelTable(tablePrefix, name, 1));
}
