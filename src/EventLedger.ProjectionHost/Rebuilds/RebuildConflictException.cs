namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>Why a rebuild could not start.</summary>
public sealed class RebuildConflictException(string message) : Exception(message);
