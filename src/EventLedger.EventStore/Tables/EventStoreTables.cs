namespace EventLedger.EventStore.Tables;

/// <summary>Table names of the write side, all under one configurable prefix (so several environments share an account).</summary>
public sealed record EventStoreTables(string Prefix = "eventledger-")
{
    /// <summary>The event store: PK <c>StreamId</c> (S), SK <c>Version</c> (N); stream NEW_IMAGE.</summary>
    public string Events => Prefix + "events";

    /// <summary>Decision state (the snapshot equivalent): PK <c>StreamId</c> (S), SK <c>Key</c> (S): <c>HEAD</c> or <c>TX#id</c>.</summary>
    public string State => Prefix + "invoice-state";

    /// <summary>Processed commands (idempotency beyond DynamoDB's 10-minute token window): PK <c>CommandId</c> (S).</summary>
    public string Commands => Prefix + "commands";
}
