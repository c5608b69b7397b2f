using System.Globalization;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace EventLedger.IntegrationTests.OperatorConsole;

/// <summary>
/// The README's picture of the console (docs/images/console.png) is taken by the tests, of a real server:
/// <c>EVENTLEDGER_CONSOLE_SCREENSHOT=$PWD/docs/images/console.png dotnet test … --filter "FullyQualifiedName~OperatorConsole"</c>.
/// </summary>
public static class ConsoleScreenshot
{
    public const string Variable = "EVENTLEDGER_CONSOLE_SCREENSHOT";

    public static string? RequestedPath => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path ? Path.GetFullPath(path) : null;

    /// <summary>The whole page as a PNG, through the DevTools protocol (WebDriver's own screenshot stops at the viewport).</summary>
    public static void Save(ChromeDriver driver, string path)
    {
        var size = (IReadOnlyDictionary<string, object>)((IJavaScriptExecutor)driver).ExecuteScript(
            "return { width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight };")!;
        var result = (IReadOnlyDictionary<string, object>)driver.ExecuteCdpCommand("Page.captureScreenshot", new Dictionary<string, object?>
        {
            ["format"] = "png",
            ["captureBeyondViewport"] = true,
            ["clip"] = new Dictionary<string, object>
            {
                ["x"] = 0,
                ["y"] = 0,
                ["width"] = Convert.ToInt32(size["width"], CultureInfo.InvariantCulture),
                ["height"] = Convert.ToInt32(size["height"], CultureInfo.InvariantCulture),
                ["scale"] = 1,
            },
        })!;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Convert.FromBase64String((string)result["data"]));
    }
}
