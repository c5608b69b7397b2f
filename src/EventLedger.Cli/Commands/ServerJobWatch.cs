using System.Text.Json;
using Spectre.Console;

namespace EventLedger.Cli.Commands;

/// <summary>
/// Watches a job the server runs (a rebuild, a redelivery): reads its status every half second and shows its progress
/// until it is no longer running. Ctrl-C stops the watching, not the job.
/// </summary>
internal static class ServerJobWatch
{
    /// <param name="path">The job's status resource.</param>
    /// <param name="show">Shows a status on the progress task (description, value, maximum, column texts).</param>
    /// <param name="stoppedWatching">Markup written when Ctrl-C stops the watching (exit code 0).</param>
    /// <param name="finished">Reports the last status and gives the exit code; 1 when no status could be read.</param>
    public static async Task<int> WatchAsync(
        HttpClient http,
        string path,
        string taskName,
        ProgressColumn[] columns,
        Action<ProgressTask, JsonElement> show,
        string stoppedWatching,
        Func<JsonElement, int> finished,
        CancellationToken ct)
    {
        JsonElement last = default;
        try
        {
            await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(columns)
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask(taskName, maxValue: 1);
                    while (true)
                    {
                        if (await ServerClient.SendAsync(http, HttpMethod.Get, path, Console.Error, ct) is not { } current) return;
                        last = current;
                        show(task, current);
                        if (ServerClient.Str(current, "state") != "running")
                        {
                            task.Value = task.MaxValue;
                            task.StopTask();
                            return;
                        }

                        await Task.Delay(500, ct);
                    }
                });
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine(stoppedWatching);
            return 0;
        }

        return last.ValueKind == JsonValueKind.Object ? finished(last) : 1;
    }
}
