namespace EventLedger.Reactions.Configuration;

/// <summary>Reaction configuration that cannot work; the message names the key and what it needs. Start-up fails with it.</summary>
public sealed class ReactionConfigurationException(string message) : InvalidOperationException(message);
