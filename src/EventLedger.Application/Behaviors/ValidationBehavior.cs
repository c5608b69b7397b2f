using EventLedger.Domain.Invoices;
using Mediator;

namespace EventLedger.Application.Behaviors;

/// <summary>
/// The one place a command is validated: its input errors and every rule error (<see cref="InvoiceRules.Check"/>) are
/// reported at once, before a handler runs, so before anything is read or written. The decider trusts its input.
/// </summary>
public sealed class ValidationBehavior<TMessage, TResponse> : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is InvoiceCommand command)
        {
            // A field that could not be read has a default value; its input error says more than a rule error would.
            var reported = command.InputErrors.Select(e => e.Field).ToHashSet(StringComparer.Ordinal);
            var errors = command.InputErrors.Concat(InvoiceRules.Check(command).Where(e => !reported.Contains(e.Field))).ToList();
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
