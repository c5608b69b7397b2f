using System.CommandLine;
using System.Diagnostics;
using EventLedger.Api.Security;

namespace EventLedger.Cli.Commands;

/// <summary>
/// <c>eventledger console [--url …] [--ttl 8h] [--no-open]</c>: the operator console of a running server. Mints an
/// operator token (ledger.operate + ledger.read) with this machine's local key, or takes <c>$EVENTLEDGER_TOKEN</c>,
/// prints <c>{url}/console#token=…</c> and opens it when a desktop is there. The token rides in the URL fragment, which
/// a browser never sends to the server, and the page drops it from the address bar at once (docs/adr/0014).
/// </summary>
internal static class ConsoleCommand
{
    public static Command Create()
    {
        var url = ServerClient.UrlOption();
        var ttl = new Option<string>("--ttl")
        {
            Description = "How long the sign-in lasts: a number with s, m, h or d (e.g. 30m, 8h); at most 30d",
            DefaultValueFactory = _ => "8h",
        };
        ttl.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string>();
            if (TokenCommand.ParseLifetime(text) is not { } lifetime || lifetime > LocalTokenIssuer.MaxLifetime)
            {
                result.AddError($"--ttl must be a positive number with s, m, h or d, at most 30d (e.g. 8h), not '{text}'.");
            }
        });
        var noOpen = new Option<bool>("--no-open") { Description = "Print the sign-in link only; do not start a browser" };
        var command = new Command("console", "Open the operator console of a running server in a browser, signed in as an operator") { url, ttl, noOpen };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var server = new Uri(parse.GetValue(url)!);
            var page = new Uri(server, "/console").ToString();
            if (await UnreachableAsync(server, ct) is { } why)
            {
                await error.WriteLineAsync($"eventledger: no EventLedger server answers at {server} ({why}). Start one with './eventledger serve', or point --url or ${ServerClient.UrlVariable} at it.");
                return 1;
            }

            string? token = Environment.GetEnvironmentVariable(ServerClient.TokenVariable) is { Length: > 0 } given ? given
                : LocalTokenIssuer.FromEnvironment()?.Mint($"console:{Environment.UserName}", [LedgerScopes.Operate, LedgerScopes.Read],
                    TokenCommand.ParseLifetime(parse.GetValue(ttl))!.Value);
            if (token is null)
            {
                // Auth__Authority: this machine's key signs nothing the server accepts; the page asks for the issuer's token.
                await output.WriteLineAsync(page);
                await error.WriteLineAsync($"The server accepts tokens from Auth__Authority only: sign in with an access token from that issuer (scopes ledger.operate and ledger.read), or set ${ServerClient.TokenVariable} to one.");
                if (!parse.GetValue(noOpen)) TryOpen(page);
                return 0;
            }

            var signIn = $"{page}#token={Uri.EscapeDataString(token)}";
            await output.WriteLineAsync(signIn);
            if (!parse.GetValue(noOpen) && TryOpen(signIn))
            {
                await error.WriteLineAsync("Opened the console in your browser. Anyone with this link is signed in as an operator until the token expires; do not share it.");
            }
            else
            {
                await error.WriteLineAsync("Open this link in a browser on this machine to sign in as an operator (do not share it; it is a bearer token).");
            }

            return 0;
        });
        return command;
    }

    private static async Task<string?> UnreachableAsync(Uri server, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync("/health", ct);
            return response.IsSuccessStatusCode ? null : $"GET /health answered {(int)response.StatusCode}";
        }
        catch (HttpRequestException ex)
        {
            return ex.Message;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return "no answer within 5 s";
        }
    }

    /// <summary>Starts the desktop's browser on <paramref name="url"/>; false where there is no desktop (SSH, CI, a container).</summary>
    private static bool TryOpen(string url)
    {
        ProcessStartInfo start;
        if (OperatingSystem.IsWindows())
        {
            start = new ProcessStartInfo(url) { UseShellExecute = true };
        }
        else if (OperatingSystem.IsMacOS())
        {
            start = new ProcessStartInfo("open", [url]);
        }
        else if (Environment.GetEnvironmentVariable("DISPLAY") is { Length: > 0 } || Environment.GetEnvironmentVariable("WAYLAND_DISPLAY") is { Length: > 0 })
        {
            start = new ProcessStartInfo("xdg-open", [url]);
        }
        else
        {
            return false;
        }

        try
        {
            using var process = Process.Start(start);
            return process is not null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No xdg-open (or open) on PATH: the printed link is all there is.
            return false;
        }
    }
}
