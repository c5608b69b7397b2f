using EventLedger.Application.Invoices;
using EventLedger.Domain.Invoices;
using Mediator;

namespace EventLedger.Application.Behaviors;

/// <summary>Rejects an invalid command with every field error before a handler runs (and so before anything is read or written).</summary>
public sealed class ValidationBehavior<TMessage, TResponse> : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is IInvoiceCommandMessage command)
        {
            var errors = InvoiceRules.Check(command.InvoiceNumber, command.ToDomain());
            if (command.Options.ExpectedVersion is < 0)
            {
                errors = [.. errors, new FieldError("If-Match", "must be a version number, 0 or more")];
            }

            if (command.Options.IdempotencyKey is { } key && (key.Length is 0 or > 200))
            {
                errors = [.. errors, new FieldError("Idempotency-Key", "must be 1-200 characters")];
            }

            if (errors.Count > 0)
            {
                throw new CommandValidationException(errors);
            }
        }

        return next(message, cancellationToken);
    }
}

/// <summary>A command's input is invalid; <see cref="Errors"/> names every field at fault. Nothing was written.</summary>
public sealed class CommandValidationException(IReadOnlyList<FieldError> errors)
    : Exception("The command is invalid: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")))
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;
}
