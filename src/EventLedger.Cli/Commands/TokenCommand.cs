using System.CommandLine;
using System.Globalization;
using EventLedger.Api.Security;

namespace EventLedger.Cli.Commands;

/// <summary>
/// <c>eventledger token --scope ledger.write [--scope …] [--subject billing-service] [--ttl 1h]</c>: prints a bearer token
/// signed with this machine's local key (<c>.eventledger/auth/signing-key</c>, created on first use), which a server
/// without <c>Auth__Authority</c> accepts. The subject becomes the <c>actor</c> of the events its commands append.
/// </summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var scope = new Option<string[]>("--scope")
        {
            Description = $"A scope to grant (repeat for several): {string.Join(", ", LedgerScopes.All)}",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        scope.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!LedgerScopes.IsKnown(value))
                {
                    result.AddError($"--scope must be one of {string.Join(", ", LedgerScopes.All)}, not '{value}'.");
                }
            }
        });
        var subject = new Option<string>("--subject")
        {
            Description = "Who the token speaks for (recorded as the actor of its commands)",
            DefaultValueFactory = _ => Environment.UserName,
        };
        subject.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError("--subject must not be empty.");
            }
        });
        var ttl = new Option<string>("--ttl")
        {
            Description = "Lifetime: a number with s, m, h or d (e.g. 90s, 15m, 1h, 7d); at most 30d",
            DefaultValueFactory = _ => "1h",
        };
        ttl.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string>();
            if (ParseLifetime(text) is not { } lifetime || lifetime > LocalTokenIssuer.MaxLifetime)
            {
                result.AddError($"--ttl must be a positive number with s, m, h or d, at most 30d (e.g. 1h), not '{text}'.");
            }
        });

        var command = new Command("token", "Print a bearer token for a server that uses this machine's local key (no Auth__Authority)") { scope, subject, ttl };
        command.SetAction(async (parse, ct) =>
        {
            if (LocalTokenIssuer.FromEnvironment() is not { } issuer)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(
                    "eventledger: Auth__Authority is set, so servers accept tokens from that issuer only; get a token from it (e.g. Cognito's token endpoint), not from this command.");
                return 2;
            }

            var token = issuer.Mint(parse.GetValue(subject)!, parse.GetValue(scope)!.Distinct(StringComparer.Ordinal), ParseLifetime(parse.GetValue(ttl))!.Value);
            await parse.InvocationConfiguration.Output.WriteLineAsync(token);
            return 0;
        });
        return command;
    }

    /// <summary>"90s", "15m", "1h", "7d" → a positive lifetime; anything else → null.</summary>
    public static TimeSpan? ParseLifetime(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length < 2
            || !double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            return null;
        }

        var seconds = char.ToLowerInvariant(text[^1]) switch
        {
            's' => amount,
            'm' => amount * 60,
            'h' => amount * 3600,
            'd' => amount * 86400,
            _ => double.NaN,
        };
        return double.IsNaN(seconds) || seconds > TimeSpan.MaxValue.TotalSeconds / 2 ? null : TimeSpan.FromSeconds(seconds);
    }
}
