using System.Text.Json;
using EventLedger.IntegrationTests.Fixtures;
using OpenQA.Selenium;

namespace EventLedger.IntegrationTests.OperatorConsole;

/// <summary>
/// The console page as a test sees it: what it shows is read with small scripts (the page re-renders cells in place, so
/// element handles would go stale), and everything an operator does is a real click or keystroke through WebDriver.
/// </summary>
public sealed class ConsolePage(IWebDriver driver)
{
    public void Open(string url)
    {
        driver.Navigate().GoToUrl(url);
    }

    public T Script<T>(string script, params object[] args)
    {
        var value = ((IJavaScriptExecutor)driver).ExecuteScript(script, args);
        return value is T typed ? typed : (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    public string Text(string selector) =>
        Script<string>("const e = document.querySelector(arguments[0]); return e ? e.textContent : '';", selector);

    public bool Visible(string selector) =>
        Script<bool>("const e = document.querySelector(arguments[0]); return !!e && !e.closest('[hidden]');", selector);

    public IReadOnlyList<string> ReadModelNames() =>
        JsonSerializer.Deserialize<List<string>>(Script<string>(
            "return JSON.stringify([...document.querySelectorAll('#read-model-rows tr')].map(r => r.dataset.readModel));"))!;

    public string Field(string readModel, string field) => Text($"#read-model-rows tr[data-read-model='{readModel}'] td[data-field='{field}']");

    public string? RebuildPercent(string readModel) => Script<string?>(
        "const b = document.querySelector(`#read-model-rows tr[data-read-model='${arguments[0]}'] [role=progressbar]`); return b ? b.getAttribute('aria-valuenow') : null;",
        readModel);

    public IReadOnlyList<string> DeadLetterInvoices() =>
        JsonSerializer.Deserialize<List<string>>(Script<string>(
            "return JSON.stringify([...document.querySelectorAll('#dead-letter-rows tr')].map(r => r.children[1].textContent));"))!;

    /// <summary>
    /// A real click on what <paramref name="selector"/> finds. The page re-renders its lists on timers (dead letters), so an
    /// element found just before a re-render is stale by the click, which then did not happen: find it again.
    /// </summary>
    public void Click(string selector)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                driver.FindElement(By.CssSelector(selector)).Click();
                return;
            }
            catch (StaleElementReferenceException) when (attempt < 5)
            {
            }
        }
    }

    public void Type(string selector, string text)
    {
        var input = driver.FindElement(By.CssSelector(selector));
        input.Clear();
        input.SendKeys(text);
    }

    /// <summary>Polls the page until <paramref name="condition"/> holds; on timeout says what it waited for and what the page showed.</summary>
    public Task UntilAsync(Func<bool> condition, string waitingFor, TimeSpan? timeout = null) =>
        Probe.UntilAsync(condition, waitingFor, timeout ?? TimeSpan.FromSeconds(30), () =>
            $"page: {Text("#messages")} | {Text("#connection")} | {Text("#sign-in-error")} | {Text("main")[..Math.Min(1500, Text("main").Length)]}");
}
