package org.rehabfhir.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.deque.html.axecore.playwright.AxeBuilder;
import com.deque.html.axecore.results.AxeResults;
import com.deque.html.axecore.results.Rule;
import com.microsoft.playwright.Browser.NewContextOptions;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debian's Chromium driven by Playwright for Java (which never downloads a browser of its own here:
 * {@code PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1}), with the checks every screen gets: axe-core (WCAG 2.1 A/AA rules, no
 * serious or critical violation) and a full-page screenshot under {@code target/screenshots/}.
 */
public final class Browser implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Browser.class);
    private static final Set<String> BLOCKING = Set.of("serious", "critical");

    private final Playwright playwright;
    private final com.microsoft.playwright.Browser browser;
    private final Path screenshots;

    public Browser() {
        Path chromium = Path.of(System.getProperty("e2e.chromium", "/usr/bin/chromium"));
        if (!Files.isExecutable(chromium)) {
            throw new IllegalStateException("No Chromium at " + chromium + ": install it (apt-get install -y chromium) "
                    + "or pass -De2e.chromium=/path/to/chromium");
        }
        playwright = Playwright.create(
                new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright
                .chromium()
                .launch(new BrowserType.LaunchOptions()
                        .setExecutablePath(chromium)
                        .setHeadless(true)
                        .setArgs(List.of("--no-sandbox", "--disable-dev-shm-usage")));
        screenshots = Path.of(System.getProperty("e2e.screenshots", "target/screenshots"));
        try {
            Files.createDirectories(screenshots);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        log.info("Chromium {} from {}", browser.version(), chromium);
    }

    /** A fresh browser profile (no cookies): a tablet in landscape. */
    public BrowserContext newContext() {
        BrowserContext context = browser.newContext(
                new NewContextOptions().setViewportSize(1280, 860).setLocale("en-GB"));
        context.setDefaultTimeout(30_000);
        return context;
    }

    /** Runs axe-core on the page (fails on serious/critical violations) and saves a full-page screenshot. */
    public void check(Page page, String name) {
        screenshot(page, name);
        AxeResults results = new AxeBuilder(page)
                .withTags(List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa"))
                .analyze();
        List<Rule> blocking = results.getViolations().stream()
                .filter(r -> BLOCKING.contains(r.getImpact()))
                .toList();
        String report = blocking.stream()
                .map(r -> r.getImpact() + " " + r.getId() + ": " + r.getHelp() + " at "
                        + r.getNodes().stream()
                                .map(n -> String.valueOf(n.getTarget()))
                                .collect(Collectors.joining(", ")))
                .collect(Collectors.joining("\n"));
        log.info(
                "axe {}: {} violations ({} serious/critical), {} passes",
                name,
                results.getViolations().size(),
                blocking.size(),
                results.getPasses().size());
        assertThat(blocking)
                .as("axe-core serious/critical violations on " + name + " (" + page.url() + "):\n" + report)
                .isEmpty();
    }

    public void screenshot(Page page, String name) {
        page.screenshot(new Page.ScreenshotOptions()
                .setPath(screenshots.resolve(name + ".png"))
                .setFullPage(true));
    }

    @Override
    public void close() {
        browser.close();
        playwright.close();
    }
}
