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

    /// <summary>Elements inside <paramref name="container"/> whose content is wider than they are (text overflowing its card).</summary>
    private static async Task<IReadOnlyList<string>> OverflowingAsync(IPage page, string container) =>
        await page.EvaluateAsync<string[]>(
            """
            (selector) => [...document.querySelectorAll(selector)].flatMap(card => [card, ...card.querySelectorAll('*')])
              .filter(e => !e.classList.contains('table-wrap') && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline')
              .map(e => `${e.tagName.toLowerCase()}.${e.className}: ${e.scrollWidth} > ${e.clientWidth} "${(e.textContent || '').slice(0, 60)}"`)
            """,
            container);
}
