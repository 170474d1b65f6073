using System.Globalization;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Interactions;
using OpenQA.Selenium.Support.UI;

namespace Alert.Hub.Tests.Support;

/// <summary>
/// Debian's headless Chromium driven through its own chromedriver: both paths given, so Selenium Manager never looks
/// for (or downloads) a browser, and the background-networking flags keep Chromium off a network it does not have.
/// Screenshots go to test-output/{page} beside the test assembly.
/// </summary>
public sealed class Browser : IDisposable
{
    static Browser()
    {
        // Every driver call blocks a pool thread until chromedriver answers (Selenium waits on its own async HTTP), and
        // the hub under test shares this process's pool. Work queued behind such a thread (a stream's next write, the
        // page's next request) sat until the pool's starvation check woke another thread, about a second: the hub's
        // latency as a browser sees it was measured with the test's own wait in it. A hub in production has no such
        // caller; here more threads are kept at hand.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), io);
    }

    private readonly string _profile = Path.Combine(Path.GetTempPath(), "alert-chromium", Guid.NewGuid().ToString("N"));

    /// <param name="page">The folder its screenshots go to (desk, resident, signage).</param>
    /// <param name="width">Window width in CSS pixels: a laptop by default, a phone or a sign when asked.</param>
    public Browser(string page = "desk", int width = 1280, int height = 900)
    {
        Screenshots = Path.Combine(AppContext.BaseDirectory, "test-output", page);
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", $"--window-size={width},{height}", "--disable-gpu",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
            "--lang=ja", $"--user-data-dir={_profile}");
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    public ChromeDriver Driver { get; }

    public string Screenshots { get; }

    public IWebElement ById(string id) => Driver.FindElement(By.Id(id));

    public T Js<T>(string script, params object[] args) => (T)Driver.ExecuteScript(script, args)!;

    /// <summary>
    /// The rendered text of the first element <paramref name="css"/> matches, read in one call: a page that redraws on
    /// its own (a language chosen draws at once and again when its fetch returns) can replace an element found a moment
    /// earlier, and reading it then fails as stale.
    /// </summary>
    public string? Text(string css) => (string?)Driver.ExecuteScript("return document.querySelector(arguments[0])?.innerText.trim() ?? null;", css);

    /// <summary>Waits for a condition of the page (never a fixed sleep); the failure says what was awaited.</summary>
    public T Until<T>(Func<IWebDriver, T> condition, string what, int seconds = 20)
    {
        var wait = new WebDriverWait(Driver, TimeSpan.FromSeconds(seconds)) { Message = $"timed out waiting for {what}" };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        try
        {
            return wait.Until(condition);
        }
        catch (WebDriverTimeoutException)
        {
            Shot("failed-" + string.Concat(what.Where(char.IsAsciiLetterOrDigit)));
            throw;
        }
    }

    public IWebElement Visible(string id) => Until(d => d.FindElement(By.Id(id)) is { Displayed: true } e ? e : null, $"#{id} to show")!;

    public void Shot(string name)
    {
        Directory.CreateDirectory(Screenshots);
        Driver.GetScreenshot().SaveAsFile(Path.Combine(Screenshots, name + ".png"));
    }

    public void SignIn(Uri hub, string key)
    {
        Driver.Navigate().GoToUrl(new Uri(hub, "/desk"));
        Visible("key").SendKeys(key + Keys.Enter);
        Until(d => d.FindElements(By.CssSelector("#map .cell")).Count > 100, "the map's town cells");
    }

    /// <summary>Presses Tab until the focus is on what <paramref name="isTarget"/> (a JS expression on <c>el</c>) names: keyboard only.</summary>
    public void TabTo(string isTarget, int most = 200)
    {
        for (var i = 0; i < most; i++)
        {
            if (Js<bool>($"const el = document.activeElement; return !!el && ({isTarget});")) return;
            new Actions(Driver).SendKeys(Keys.Tab).Perform();
        }
        throw new InvalidOperationException($"Tab never reached {isTarget}");
    }

    public void Press(string keys) => new Actions(Driver).SendKeys(keys).Perform();

    public static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        // Quit ends chromedriver and the browser it started; the profile goes with them.
        Driver.Quit();
        Driver.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be writing its last file; the temp folder is cleared with the machine.
        }
    }
}
