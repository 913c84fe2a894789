package org.rehabfhir.app.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.Cookie;
import com.microsoft.playwright.options.SameSiteAttribute;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.rehabfhir.devservices.TokenClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clinician app in a real browser against the real system (PostgreSQL, Keycloak, FHIR server, app): sign-in on
 * Keycloak's own login page, the physiotherapist's walk, the auditor's screens, and what another physiotherapist
 * must not see. Every screen is checked with axe-core and photographed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClinicianAppE2EIT {

    private static final Logger log = LoggerFactory.getLogger(ClinicianAppE2EIT.class);
    static final String KNEE_PATIENT = "demo-knee-oa";
    static final String KNEE_PATIENT_NAME = "Grace Okafor";
    static final String BOB_PATIENT_NAME = "Claire Moreau";

    static E2eStack stack;
    static Browser browser;

    @BeforeAll
    static void start() {
        stack = E2eStack.shared();
        browser = new Browser();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    /** {@link #signIn} for another test class. */
    static Page signInWith(E2eStack stack, Browser browser, BrowserContext context, String username, String password) {
        ClinicianAppE2EIT.stack = stack;
        ClinicianAppE2EIT.browser = browser;
        return signIn(context, username, password, null);
    }

    /** Opens the app, is sent to Keycloak's login page, signs in there, and is back in the app. */
    static Page signIn(BrowserContext context, String username, String password, String screenshot) {
        Page page = context.newPage();
        page.navigate(stack.appUrl() + "/");
        // Keycloak's own login page, asked for the code flow with PKCE S256 (Playwright regexes are JavaScript's)
        assertThat(page)
                .hasURL(Pattern.compile("/realms/rehab/protocol/openid-connect/auth\\?.*code_challenge_method=S256"));
        assertThat(page.url())
                .startsWith(stack.keycloak().baseUrl() + "/realms/rehab/")
                .contains("response_type=code");
        if (screenshot != null) {
            browser.check(page, screenshot);
        }
        page.locator("#username").fill(username);
        page.locator("#password").fill(password);
        page.locator("#kc-login").click();
        page.waitForURL(url -> url.startsWith(stack.appUrl()));
        return page;
    }

    @Test
    @Order(1)
    void aliceSignsInOnKeycloakAndSeesHerCaseload() {
        try (BrowserContext context = browser.newContext()) {
            Page page = signIn(context, TokenClient.ALICE, TokenClient.ALICE_PASSWORD, "00-keycloak-sign-in");
            assertThat(page).hasURL(stack.appUrl() + "/caseload");
            assertThat(page.locator("h1")).hasText("My caseload");
            assertThat(page.locator("#caseload")).containsText(KNEE_PATIENT_NAME);
            assertThat(page.locator("#caseload")).not().containsText(BOB_PATIENT_NAME);
            assertThat(page.locator("header")).containsText("Physiotherapist");
            assertThat(page.locator("nav")).not().containsText("Access log");
            browser.check(page, "01-caseload");

            Cookie session = context.cookies().stream()
                    .filter(c -> c.name.equals("REHAB_APP_SESSION"))
                    .findFirst()
                    .orElseThrow();
            assertThat(session.httpOnly).isTrue();
            assertThat(session.sameSite).isEqualTo(SameSiteAttribute.LAX);
            // the app's cookies hold no token (Keycloak's own cookies live on its host, 127.0.0.1)
            assertThat(context.cookies(stack.appUrl()).stream().map(c -> c.value))
                    .noneMatch(v -> v.startsWith("eyJ"));
            assertThat(context.cookies(stack.appUrl())).extracting(c -> c.name).containsExactly("REHAB_APP_SESSION");

            page.locator("#caseload a", new Page.LocatorOptions().setHasText(KNEE_PATIENT_NAME))
                    .click();
            assertThat(page).hasURL(stack.appUrl() + "/patients/" + KNEE_PATIENT);
            assertThat(page.locator("h1")).hasText(KNEE_PATIENT_NAME);
            assertThat(page.locator("#conditions-h + table")).containsText("Osteoarthritis of knee");
            assertThat(page.locator("#conditions-h + table")).containsText("SNOMED CT 239873007");
            browser.check(page, "02-patient");

            // the auditor's screens are not hers
            page.navigate(stack.appUrl() + "/audit");
            assertThat(page.locator("h1")).hasText("No access");

            // sign out ends the Keycloak session too: the next visit asks for the password again
            page.navigate(stack.appUrl() + "/caseload");
            page.locator("button", new Page.LocatorOptions().setHasText("Sign out"))
                    .click();
            page.waitForURL(stack.appUrl() + "/signed-out");
            browser.check(page, "90-signed-out");
            page.locator("#sign-in-again").click();
            assertThat(page.locator("#kc-login")).isVisible();
        }
    }

    /** The physiotherapist's walk: caseload, screen, plan, activation, two sessions, progress applied, handout. */
    @Test
    @Order(2)
    void aliceWalksTheKneePatientFromScreenToHandout() throws Exception {
        try (BrowserContext context = browser.newContext()) {
            Page page = signIn(context, TokenClient.ALICE, TokenClient.ALICE_PASSWORD, null);
            page.locator("#caseload a", new Page.LocatorOptions().setHasText(KNEE_PATIENT_NAME))
                    .click();
            assertThat(page.locator("h1")).hasText(KNEE_PATIENT_NAME);

            // 3. the safety screen, rendered from the Questionnaire; a missing answer is refused next to its item
            page.locator("a.button", new Page.LocatorOptions().setHasText("Safety screen"))
                    .click();
            assertThat(page.locator("#screen-form")).isVisible();
            assertThat(page.locator("[data-link-id=mmse-total] label")).containsText("MMSE");
            browser.check(page, "03-screen");
            fillPassingScreen(page);
            page.locator("#q-mmse-total").fill("");
            page.locator("#submit-screen").click();
            assertThat(page.locator("[data-link-id=mmse-total] .field-error")).isVisible();
            browser.check(page, "03b-screen-refused");
            page.locator("#q-mmse-total").fill("28");
            page.locator("#submit-screen").click();
            assertThat(page).hasURL(stack.appUrl() + "/patients/" + KNEE_PATIENT + "/screen/result");
            assertThat(page.locator("#screen-status")).hasText(Pattern.compile("clear", Pattern.CASE_INSENSITIVE));
            assertThat(page.locator("#criteria")).containsText("Passed");
            assertThat(page.locator("#criteria")).containsText("Observation/");
            browser.check(page, "04-screen-result");

            // 4. recommended regimens, ranked; the knee one is first; saved with phase 1 started a week ago
            page.locator("a.button", new Page.LocatorOptions().setHasText("Recommend a plan"))
                    .click();
            assertThat(page.locator("h1")).hasText("Recommended regimens");
            var first = page.locator("section.card").first();
            assertThat(first).hasAttribute("data-regimen", Pattern.compile("bw-knee-osteoarthritis"));
            assertThat(first).containsText("Evidence");
            browser.check(page, "05-plan");
            // a dose outside the regimen's limits is refused next to the field
            first.locator("input[name='p0.minutes']").fill("90");
            first.locator("input[name=start]").fill(LocalDate.now().minusDays(7).toString());
            first.locator("button[type=submit]").click();
            assertThat(page.locator("section.card").first().locator(".field-error"))
                    .containsText("Minutes must be between 1 and");
            first = page.locator("section.card").first();
            first.locator("input[name='p0.minutes']").fill("10");
            first.locator("input[name=start]").fill(LocalDate.now().minusDays(7).toString());
            first.locator("button[type=submit]").click();
            assertThat(page).hasURL(Pattern.compile("/careplans/[^/]+/activate$"));
            assertThat(page.locator("#phases")).containsText("10 min");
            browser.check(page, "06-activate");
            if ("true".equals(page.locator("#overrideReason").getAttribute("required"))
                    || page.locator("#overrideReason[required]").count() > 0) {
                page.locator("#overrideReason").fill("Screen reviewed in person; safe to start with a spotter.");
            }
            page.locator("#activate").click();
            assertThat(page).hasURL(Pattern.compile("/patients/" + KNEE_PATIENT));
            assertThat(page.locator("#plans")).containsText("active");

            // 5. two sessions, each under a minute of typing; an out-of-range RPE is refused next to the field
            for (int daysAgo : new int[] {3, 2}) {
                page.locator("a.button", new Page.LocatorOptions().setHasText("Log a session"))
                        .click();
                assertThat(page.locator("#session-form")).isVisible();
                page.locator("#date")
                        .fill(LocalDateTime.now()
                                .minusDays(daysAgo)
                                .withHour(10)
                                .withMinute(0)
                                .truncatedTo(ChronoUnit.MINUTES)
                                .toString());
                page.locator("#minutes").fill("10");
                page.locator("#surface-overground").check();
                page.locator("#supervision").selectOption("2");
                page.locator("#rpe").fill(daysAgo == 3 ? "11" : "4");
                page.locator("#painBefore").fill("3");
                page.locator("#pain24h").fill("3");
                page.locator("#heartRate").fill("96");
                page.locator("#record-session").click();
                if (daysAgo == 3) {
                    assertThat(page.locator("#rpe ~ .field-error")).isVisible();
                    browser.check(page, "07-session-refused");
                    page.locator("#rpe").fill("4");
                    page.locator("#record-session").click();
                }
                assertThat(page).hasURL(Pattern.compile("/careplans/[^/]+/progress\\?recorded=true"));
                assertThat(page.locator("main")).containsText("Session recorded.");
                page.navigate(stack.appUrl() + "/patients/" + KNEE_PATIENT);
            }
            page.locator("a.button", new Page.LocatorOptions().setHasText("Log a session"))
                    .click();
            browser.check(page, "07-session");

            // 6. progress: charts, the decision and its reasons; applied in one click
            page.navigate(stack.appUrl() + "/patients/" + KNEE_PATIENT);
            page.locator(".actions a.button", new Page.LocatorOptions().setHasText("Progress"))
                    .click();
            assertThat(page.locator("#decision-label")).hasText("Progress one step");
            assertThat(page.locator("canvas#chart-pain")).isVisible();
            assertThat(page.locator("canvas#chart-rpe")).isVisible();
            browser.check(page, "08-progress");
            page.locator("#apply-progress").click();
            assertThat(page.locator("main")).containsText("Plan updated");
            browser.check(page, "09-progress-applied");

            // 7. the handout, as a PDF download
            com.microsoft.playwright.Download download =
                    page.waitForDownload(() -> page.locator("#handout").click());
            byte[] pdf = java.nio.file.Files.readAllBytes(download.path());
            assertThat(new String(pdf, 0, 5, java.nio.charset.StandardCharsets.US_ASCII))
                    .isEqualTo("%PDF-");
            assertThat(download.suggestedFilename()).endsWith(".pdf");

            page.navigate(stack.appUrl() + "/patients/" + KNEE_PATIENT);
            assertThat(page.locator("#trends")).containsText("Pain");
            browser.check(page, "10-patient-after-walk");
        }
    }

    static void fillPassingScreen(Page page) {
        page.locator("#q-mmse-total").fill("28");
        page.locator("#q-unstable-angina-no").check();
        page.locator("#q-myocardial-infarction-no").check();
        page.locator("#q-complex-ventricular-arrhythmia-no").check();
        page.locator("#q-resting-systolic-bp").fill("132");
        page.locator("#q-resting-diastolic-bp").fill("82");
        page.locator("#q-heart-rate").fill("74");
        page.locator("#q-follows-two-step-command-yes").check();
        page.locator("#q-constant-bilateral-support-no").check();
        page.locator("#q-max-walking-distance").fill("250");
        page.locator("#q-fall-history-no").check();
    }

    @Test
    @Order(50)
    void bobDoesNotSeeAlicesPatientAndItsUrlSaysNoAccess() {
        try (BrowserContext context = browser.newContext()) {
            Page page = signIn(context, TokenClient.BOB, TokenClient.BOB_PASSWORD, null);
            assertThat(page.locator("#caseload")).containsText(BOB_PATIENT_NAME);
            assertThat(page.locator("#caseload")).not().containsText(KNEE_PATIENT_NAME);
            page.navigate(stack.appUrl() + "/patients/" + KNEE_PATIENT);
            assertThat(page.locator("h1")).hasText("No access");
            assertThat(page.locator("main")).not().containsText(KNEE_PATIENT_NAME);
            browser.check(page, "30-no-access");
        }
    }

    @Test
    @Order(60)
    void auditorSeesTheWalkInTheAccessLogAndOutcomesButNoPhysiotherapistScreen() {
        try (BrowserContext context = browser.newContext()) {
            Page page = signIn(context, TokenClient.AUDREY, TokenClient.AUDREY_PASSWORD, null);
            assertThat(page).hasURL(stack.appUrl() + "/audit");
            assertThat(page.locator("header")).containsText("Auditor");
            assertThat(page.locator("nav")).not().containsText("Caseload");

            page.locator("#patient").fill(KNEE_PATIENT);
            page.locator("#agent").fill(TokenClient.ALICE);
            page.locator("#filter button[type=submit]").click();
            assertThat(page.locator("#access-log")).isVisible();
            assertThat(page.locator("#access-log tbody tr").first()).containsText("alice");
            assertThat(page.locator("#access-log tbody tr").first()).containsText("physiotherapist");
            assertThat(page.locator("#access-log tbody tr").first()).containsText(TokenClient.CLINICIAN_APP);
            assertThat(page.locator("#access-log")).containsText("TREAT");
            assertThat(page.locator("#access-log")).containsText("GET Patient/" + KNEE_PATIENT);
            assertThat(page.locator("#access-log")).not().containsText("bob");
            browser.check(page, "20-audit-access-log");
            // paged (the test app shows 5 entries a page)
            String firstPage = page.locator("#access-log tbody").innerText();
            page.locator("#older").click();
            assertThat(page.locator("#access-log tbody")).not().hasText(firstPage);
            assertThat(page).hasURL(Pattern.compile("offset=5"));

            // bob's refused attempt on alice's patient is there too, with "include refused"
            page.locator("#agent").fill(TokenClient.BOB);
            page.locator("input[name=refused]").check();
            page.locator("#filter button[type=submit]").click();
            assertThat(page.locator("#access-log tbody tr").first()).containsText("Minor failure");
            assertThat(page.locator("#access-log tbody tr").first()).containsText("403");
            assertThat(page.locator("main form[method=post]")).hasCount(0);

            // the walk's plan and its pain scores are counted in the knee cohort
            page.navigate(stack.appUrl() + "/audit/outcomes?condition=knee-osteoarthritis");
            assertThat(page.locator("h1")).hasText("Outcomes by condition");
            var knee = page.locator("[data-regimen*='bw-knee-osteoarthritis']");
            assertThat(knee.locator("dl")).containsText("Care plans");
            assertThat(knee.locator("dl dd").nth(1)).not().hasText("0");
            assertThat(knee.locator("tr", new com.microsoft.playwright.Locator.LocatorOptions().setHasText("Pain")))
                    .not()
                    .containsText("—");
            assertThat(page.locator("main form[method=post]")).hasCount(0);
            browser.check(page, "21-audit-outcomes");

            page.navigate(stack.appUrl() + "/audit/chain");
            assertThat(page.locator("#chain-status")).hasText("Intact");
            browser.check(page, "22-audit-chain");
            // an auditor never sees a write control
            assertThat(page.locator("main form[method=post], main button:not([type=submit])"))
                    .hasCount(0);

            page.navigate(stack.appUrl() + "/caseload");
            assertThat(page.locator("h1")).hasText("No access");
            page.navigate(stack.appUrl() + "/patients/" + KNEE_PATIENT);
            assertThat(page.locator("h1")).hasText("No access");
            log.info("End-to-end system started in {} s", stack.startup().toSeconds());
        }
    }
}
