namespace EventLedger.EmbeddedStack;

/// <summary>The local stack could not start; the message says why and what to do.</summary>
public sealed class EmbeddedStackException : Exception
{
    public EmbeddedStackException()
    {
    }

    public EmbeddedStackException(string message) : base(message)
    {
    }

    public EmbeddedStackException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
