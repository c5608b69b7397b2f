using System.Globalization;

namespace EventLedger.Streams.Leases;

/// <summary>Names a lease or lock holder: the machine and process (for an operator reading the table) and a random tail
/// (two hosts started in one process, as the tests do, are still two owners).</summary>
public static class LeaseOwner
{
    public static string NewId() =>
        $"{Environment.MachineName}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..8]}";
}
