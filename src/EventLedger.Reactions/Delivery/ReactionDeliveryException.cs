namespace EventLedger.Reactions.Delivery;

/// <summary>
/// Some messages of a batch were not delivered (rejected by the sink, or still failing after every attempt). It has no
/// inner exception on purpose: the host treats it as "these records fail" (retry, bisect, dead-letter) rather than as a
/// store outage that pauses the shard forever.
/// </summary>
public sealed class ReactionDeliveryException(string message) : Exception(message);
