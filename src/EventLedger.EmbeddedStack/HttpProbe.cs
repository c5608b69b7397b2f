using System.Net;

namespace EventLedger.EmbeddedStack;

/// <summary>Asks a starting server over HTTP whether it answers yet: 200 OK within 2 s.</summary>
internal static class HttpProbe
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>True for a 200 answer; false when nothing listens yet, the answer is another status, or it takes over 2 s.</summary>
    public static async Task<bool> AnswersOkAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            try
            {
                using var response = await Client.SendAsync(request, cancellationToken);
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }
    }
}
