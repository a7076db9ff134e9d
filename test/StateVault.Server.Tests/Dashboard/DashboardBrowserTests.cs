using System.Net.Http.Json;
using System.Text;
using StateVault.Managers.HealthThresholds;
using Microsoft.Playwright;
using StateVault.Server.Tests.Support;
using StateVault.TestKit;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace StateVault.Server.Tests.Dashboard;

/// <summary>
/// The dashboard in Debian's Chromium, driven by Playwright through its executable path (no browser download): key entry,
/// systems, managers, the chart, a restore, and a screenshot left in <c>TestResults/dashboard.png</c> of the test output.
/// </summary>
public sealed class DashboardBrowserTests
{
    private static readonly string[] s_chromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    // Playwright's default wait for an expectation is 5 s. On a loaded 2-core CI machine (four test assemblies, a
    // PostgreSQL and an S3 server next to Chromium) the first render after the key was seen to come later than that,
    // so a correct page failed. The waits are upper bounds, not timings: a page that never shows the element still fails.
    static DashboardBrowserTests() => SetDefaultExpectTimeout(30_000);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dashboard_WithAKey_ShowsSystemsManagersAndChartAndRestoresASnapshot()
    {
        var chromium = Environment.GetEnvironmentVariable("STATEVAULT_TEST_CHROMIUM");
        if (string.IsNullOrWhiteSpace(chromium) || !File.Exists(chromium))
        {
            Backend.Unavailable("Chromium is not available: set STATEVAULT_TEST_CHROMIUM to Debian's chromium (the README's test command does).");
        }

        await using var server = await ServerHost.StartAsync(cancellationToken: Ct);
        var thresholds = server.Manager<HealthThresholdsManager>();

        // The real manager's saves, growing so the chart has a shape.
        for (var i = 1; i <= 4; i++)
        {
            for (var n = 0; n < i * 10; n++)
            {
                thresholds.SetThreshold($"probe_{i}_{n}", 60 + i, 99, ThresholdDirection.HigherIsWorse);
            }

            thresholds.SetThreshold("cpu_probe", 60 + i, 99, ThresholdDirection.HigherIsWorse);
            await thresholds.SaveNowAsync(Ct);
        }

        using (var client = server.Client(server.WriterKey))
        {
            (await client.PostAsync("api/systems/external_app/snapshots", JsonContent.Create(new { users = 10 }), Ct)).EnsureSuccessStatusCode();
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true, Args = s_chromiumArgs });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 1000 } });
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);

        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(page.Locator("#key-dialog")).ToBeVisibleAsync();
        await page.FillAsync("#key-input", server.WriterKey);
        await page.ClickAsync("#key-submit");

        await Expect(page.Locator("tr[data-system='external_app']")).ToBeVisibleAsync();
        await Expect(page.Locator(".manager-card")).ToHaveCountAsync(8);
        foreach (var name in (string[])["core_management", "health_thresholds", "swarm_integration", "gaming_alerts", "dependencies", "ai_ml_workflows", "ai_ml_core", "api_keys"])
        {
            await Expect(page.Locator($".manager-card[data-manager='{name}']")).ToBeVisibleAsync();
        }

        await Expect(page.Locator(".manager-card[data-manager='gaming_alerts']")).ToContainTextAsync("Active alerts", new() { IgnoreCase = true });
        await Expect(page.Locator(".manager-card[data-manager='health_thresholds']")).ToContainTextAsync("Thresholds", new() { IgnoreCase = true });
        await Expect(page.Locator("tr[data-system='health_thresholds'] td.newest")).ToHaveTextAsync("4");

        await page.ClickAsync("tr[data-system='health_thresholds']");
        await Expect(page.Locator("#timeline li")).ToHaveCountAsync(4);
        await page.WaitForFunctionAsync(
            """
            () => {
              const canvas = document.getElementById('bytes-chart');
              const chart = window.Chart && Chart.getChart(canvas);
              if (!chart || chart.data.datasets[0].data.length !== 4 || canvas.width === 0) return false;
              const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
              let painted = 0;
              for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
              return painted > 500;
            }
            """);

        await page.ClickAsync("#timeline li[data-seq='4'] button:has-text('View')");
        await Expect(page.Locator("#json-view")).ToContainTextAsync("probe_4_39");
        await page.SelectOptionAsync("#diff-from", "1");
        await page.SelectOptionAsync("#diff-to", "4");
        await page.ClickAsync("#diff-form button");
        await Expect(page.Locator("#diff-result")).ToContainTextAsync("cpu_probe");

        await page.ClickAsync("#timeline li[data-seq='1'] button.restore");
        await page.ClickAsync("#confirm-ok");
        await Expect(page.Locator("tr[data-system='health_thresholds'] td.newest")).ToHaveTextAsync("5");
        await Expect(page.Locator("#timeline li.newest")).ToContainTextAsync("restored from #1");
        await page.ClickAsync("#verify-system");
        await Expect(page.Locator("#verify-result")).ToContainTextAsync("verified");

        // The live manager adopted the restored snapshot: its state is that of #1 again.
        Assert.Equal(61, thresholds.GetThreshold("cpu_probe")!.Warning);
        Assert.Null(thresholds.GetThreshold("probe_4_0"));
        Assert.Empty(errors);

        var screenshot = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        TestContext.Current.AddAttachment("dashboard.png", await File.ReadAllBytesAsync(screenshot, Ct), "image/png");
    }

    [Fact]
    public async Task Dashboard_OnImportedSamples_ShowsEachManagersDataReadablyAt1280()
    {
        var chromium = Environment.GetEnvironmentVariable("STATEVAULT_TEST_CHROMIUM");
        if (string.IsNullOrWhiteSpace(chromium) || !File.Exists(chromium))
        {
            Backend.Unavailable("Chromium is not available: set STATEVAULT_TEST_CHROMIUM to Debian's chromium (the README's test command does).");
        }

        await using var server = await Api.LegacyImportRoutesTests.StartOnImportedSamplesAsync(Ct);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true, Args = s_chromiumArgs });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);

        await page.GotoAsync(server.BaseAddress + "#key=" + Uri.EscapeDataString(server.ReaderKey));
        await Expect(page.Locator(".manager-card")).ToHaveCountAsync(8);

        // Figures in words, durations as durations, times relative with the absolute time on hover.
        var health = page.Locator(".manager-card[data-manager='health_thresholds']");
        await Expect(health).ToContainTextAsync("Restored from snapshot");
        await Expect(health).ToContainTextAsync("Uptime");
        await Expect(page.Locator(".manager-cards, #managers")).Not.ToContainTextAsync("restored_from");
        await Expect(page.Locator("#managers")).Not.ToContainTextAsync("uptime seconds");
        var uptime = await health.Locator("dt:text-is('Uptime') + dd").InnerTextAsync();
        Assert.Matches(@"^\d+ (s|min|h|d)( \d+ (s|min|h))?$", uptime);
        Assert.Empty(await OverflowingAsync(page, ".manager-card"));

        // A card links to its detail: thresholds, active alerts with their severities, models, workflows.
        await health.Locator("a.detail-link").ClickAsync();
        await Expect(page.Locator("#thresholds-table tbody tr")).ToHaveCountAsync(10);
        await Expect(page.Locator("#thresholds-table")).ToContainTextAsync("3,000 ms");
        await Expect(page.Locator("#thresholds-table")).ToContainTextAsync("Agent inbox queue depth threshold");
        Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults"));
        await page.Locator("#manager-detail").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard-legacy-thresholds.png") });
        var set = page.Locator("#thresholds-table time").First;
        Assert.Matches(@"ago$", await set.InnerTextAsync());
        Assert.False(string.IsNullOrEmpty(await set.GetAttributeAsync("title")));

        await page.Locator(".manager-card[data-manager='gaming_alerts'] a.detail-link").ClickAsync();
        await Expect(page.Locator("#alerts-table tr.alert-row")).ToHaveCountAsync(5);
        await Expect(page.Locator("#alerts-table tr.alert-row.sev-critical")).ToHaveCountAsync(2);
        await Expect(page.Locator("#alerts-table tr.alert-row.sev-high .severity.sev-high")).ToHaveCountAsync(1);
        var critical = await page.Locator("#alerts-table .severity.sev-critical").First.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");
        var medium = await page.Locator("#alerts-table .severity.sev-medium").First.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");
        Assert.NotEqual(critical, medium);
        await Expect(page.Locator("#alerts-table")).ToContainTextAsync("9,000 MB");
        await Expect(page.Locator("#alert-thresholds-table")).ToContainTextAsync("not set");
        Assert.Empty(await OverflowingAsync(page, "#manager-detail .card"));
        await page.Locator("#manager-detail").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard-legacy-alerts.png") });

        await page.Locator(".manager-card[data-manager='ai_ml_core'] a.detail-link").ClickAsync();
        await Expect(page.Locator("#models-table tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#models-table")).ToContainTextAsync("deployed");
        await Expect(page.Locator("#workflows-table tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#workflows-table")).ToContainTextAsync("chunk (pending) → embed (pending) → upsert (pending)");
        await Expect(page.Locator("#provider-models-table tbody tr")).ToHaveCountAsync(3);
        Assert.Empty(await OverflowingAsync(page, "#manager-detail .card"));
        Assert.Empty(errors);

        var screenshot = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard-legacy.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        TestContext.Current.AddAttachment("dashboard-legacy.png", await File.ReadAllBytesAsync(screenshot, Ct), "image/png");
    }

    [Fact]
    public async Task Dashboard_KeyboardOnly_OpensASystemVerifiesAndRestoresWithFocusAndAnnouncementsAndNoSeriousAxeViolations()
    {
        var chromium = Environment.GetEnvironmentVariable("STATEVAULT_TEST_CHROMIUM");
        if (string.IsNullOrWhiteSpace(chromium) || !File.Exists(chromium))
        {
            Backend.Unavailable("Chromium is not available: set STATEVAULT_TEST_CHROMIUM to Debian's chromium (the README's test command does).");
        }

        var axe = Repository.Root is { } root ? Path.Combine(root, "node_modules", "axe-core", "axe.min.js") : null;
        if (axe is null || !File.Exists(axe))
        {
            Backend.Unavailable("axe-core is not available: run 'npm ci' in the repository root (package.json names axe-core).");
        }

        await using var server = await ServerHost.StartAsync(cancellationToken: Ct);
        using (var client = server.Client(server.WriterKey))
        {
            for (var users = 1; users <= 2; users++)
            {
                (await client.PostAsync("api/systems/keyboard_app/snapshots", JsonContent.Create(new { users }), Ct)).EnsureSuccessStatusCode();
            }
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true, Args = s_chromiumArgs });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        var keyboard = page.Keyboard;

        // The key dialog has the focus: type the key, Enter.
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(page.Locator("#key-dialog")).ToBeVisibleAsync();
        Assert.Equal("key-input", await ActiveAsync(page, "e => e.id"));
        await keyboard.TypeAsync(server.WriterKey);
        await keyboard.PressAsync("Enter");
        await Expect(page.Locator("button.system-open[data-system='keyboard_app']")).ToBeVisibleAsync();
        await Expect(page.Locator(".manager-card")).ToHaveCountAsync(8);
        await AssertNoSeriousViolationsAsync(page, axe!, "the main page");

        // Open the system: Tab to its button, Enter; the focus moves into the detail panel.
        await TabToAsync(page, "e => e.matches(\"button.system-open[data-system='keyboard_app']\")");
        await keyboard.PressAsync("Enter");
        await Expect(page.Locator("#timeline li")).ToHaveCountAsync(2);
        await Expect(page.Locator("#announcer")).ToContainTextAsync("System keyboard_app: 2 snapshots");
        Assert.Equal("detail-heading", await ActiveAsync(page, "e => e.id"));
        Assert.Equal("true", await page.GetAttributeAsync("button.system-open[data-system='keyboard_app']", "aria-expanded"));

        // Verify: announced.
        await TabToAsync(page, "e => e.id === 'verify-system'");
        await keyboard.PressAsync("Enter");
        await Expect(page.Locator("#announcer")).ToContainTextAsync("all 2 snapshots verified");

        // Restore #1: the confirmation dialog takes the focus, Enter confirms, the result is announced, and the focus comes
        // back to the restore button of the new newest snapshot (#3).
        await TabToAsync(page, "e => e.matches(\"#timeline button.restore[data-seq='1']\")");
        await keyboard.PressAsync("Enter");
        await Expect(page.Locator("#confirm-dialog")).ToBeVisibleAsync();
        Assert.Equal("confirm-ok", await ActiveAsync(page, "e => e.id"));
        await keyboard.PressAsync("Enter");
        await Expect(page.Locator("#announcer")).ToContainTextAsync("Restored #1 of keyboard_app as #3");
        await Expect(page.Locator("#timeline li")).ToHaveCountAsync(3);
        await page.WaitForFunctionAsync("() => document.activeElement && document.activeElement.matches(\"#timeline button.restore[data-seq='3']\")");
        await AssertNoSeriousViolationsAsync(page, axe!, "the open system panel");

        // Close the panel: the focus returns to the control that opened it.
        await TabToAsync(page, "e => e.id === 'close-detail'", backwards: true);
        await keyboard.PressAsync("Enter");
        await Expect(page.Locator("#detail")).ToBeHiddenAsync();
        await page.WaitForFunctionAsync("() => document.activeElement && document.activeElement.matches(\"button.system-open[data-system='keyboard_app']\")");

        using (var client = server.Client(server.ReaderKey))
        {
            Assert.Equal("{\"users\":1}", await client.GetStringAsync("api/systems/keyboard_app/snapshots/latest", Ct));
        }

        Assert.Empty(errors);
    }

    /// <summary>Elements inside <paramref name="container"/> whose content is wider than they are (text overflowing its card).</summary>
    private static async Task<IReadOnlyList<string>> OverflowingAsync(IPage page, string container) =>
        await page.EvaluateAsync<string[]>(
            """
            (selector) => [...document.querySelectorAll(selector)].flatMap(card => [card, ...card.querySelectorAll('*')])
              .filter(e => !e.classList.contains('table-wrap') && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline')
              .map(e => `${e.tagName.toLowerCase()}.${e.className}: ${e.scrollWidth} > ${e.clientWidth} "${(e.textContent || '').slice(0, 60)}"`)
            """,
            container);

    /// <summary>Presses Tab (Shift+Tab when <paramref name="backwards"/>) until the focused element satisfies <paramref name="predicate"/>.</summary>
    private static async Task TabToAsync(IPage page, string predicate, bool backwards = false)
    {
        for (var presses = 0; presses < 80; presses++)
        {
            if (await page.EvaluateAsync<bool>($"() => !!document.activeElement && ({predicate})(document.activeElement)"))
            {
                return;
            }

            await page.Keyboard.PressAsync(backwards ? "Shift+Tab" : "Tab");
        }

        Assert.Fail($"80 presses of {(backwards ? "Shift+Tab" : "Tab")} never reached an element with {predicate}; the focus is on {await ActiveAsync(page, "e => e.outerHTML.slice(0, 120)")}.");
    }

    private static Task<string> ActiveAsync(IPage page, string describe) =>
        page.EvaluateAsync<string>($"() => document.activeElement ? String(({describe})(document.activeElement)) : 'nothing'");

    /// <summary>Runs axe-core (WCAG 2.x A/AA and best practices) on the page; no serious or critical violation may remain.</summary>
    private static async Task AssertNoSeriousViolationsAsync(IPage page, string axePath, string where)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe !== 'undefined'"))
        {
            // As page content, not a <script> tag: the dashboard's Content-Security-Policy allows scripts from 'self' only.
            await page.EvaluateAsync(await File.ReadAllTextAsync(axePath, Ct));
        }

        var violations = await page.EvaluateAsync<string[]>(
            """
            async () => {
              const results = await axe.run(document, { resultTypes: ['violations'] });
              return results.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
            }
            """);
        Assert.True(violations.Length == 0, $"axe-core found serious/critical violations on {where}:\n{string.Join('\n', violations)}");
    }
}
