using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace EventLedger.IntegrationTests.OperatorConsole;

/// <summary>
/// Debian's chromium driven through its chromedriver, headless. Both paths are given to Selenium, so Selenium Manager
/// never runs and nothing is downloaded; without them the tests fail and say what to install.
/// </summary>
public sealed class HeadlessChromium : IDisposable
{
    public const string BrowserPath = "/usr/bin/chromium";
    public const string DriverPath = "/usr/bin/chromedriver";

    private readonly string _profile;

    private HeadlessChromium(ChromeDriver driver, string profile)
    {
        Driver = driver;
        _profile = profile;
    }

    public ChromeDriver Driver { get; }

    public static HeadlessChromium Start()
    {
        var missing = new[] { BrowserPath, DriverPath }.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The console tests drive a real headless browser, and {string.Join(" and ", missing)} is missing. " +
                "Install Debian's chromium and its driver: apt-get install -y chromium chromium-driver (.ci/run does).");
        }

        // Belt and braces: should anything still reach for Selenium Manager, it fails here instead of downloading a browser.
        Environment.SetEnvironmentVariable("SE_MANAGER_PATH", "/nonexistent/selenium-manager-is-not-used");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var profile = Directory.CreateTempSubdirectory("eventledger-chromium-").FullName;
        var options = new ChromeOptions { BinaryLocation = BrowserPath };
        options.AddArguments(
            "--headless=new",
            "--no-sandbox", // CI runs as root, where chromium's sandbox cannot start; it only ever opens the test server's page
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--window-size=1400,1000",
            $"--user-data-dir={profile}");
        try
        {
            return new HeadlessChromium(new ChromeDriver(service, options, TimeSpan.FromSeconds(60)), profile);
        }
        catch
        {
            service.Dispose();
            Directory.Delete(profile, recursive: true);
            throw;
        }
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // chromium may still be writing its profile as it exits; a temp directory left behind is harmless.
        }
    }
}
