package dev.syncline.server.http;

import static dev.syncline.server.TestHttp.body;
import static dev.syncline.server.TestHttp.op;
import static dev.syncline.server.TestHttp.upsert;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.server.Chromium;
import dev.syncline.server.ServerFixture;
import dev.syncline.server.TestHttp.Response;
import dev.syncline.server.Tokens;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admin page in a real headless Chromium against a real server on 127.0.0.1: the operator
 * types a token, the page fetches the overview and renders it, refreshes by itself, and says
 * clearly when a token is refused. The assertions read the rendered DOM, so a page that does not
 * render (a script error, a CSP hash that does not match, a wrong field name) fails here.
 *
 * <p>Needs Chromium; without one it fails with a message saying how to install it (see
 * {@link Chromium#find()}). Screenshots land in {@code target/admin-page*.png} for a person to look at.
 */
class AdminPageBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static Chromium chromium;

    @RegisterExtension
    final ServerFixture fx = new ServerFixture();

    private final String alice = ServerFixture.token("alice", "team-1", "team-2", "team-3");
    private Chromium.Tab tab;

    @BeforeAll
    static void startBrowser() throws Exception {
        chromium = Chromium.launch();
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (chromium != null) {
            chromium.close();
        }
    }

    @AfterEach
    void closeTab() {
        if (tab != null) {
            tab.close();
        }
    }

    private static String adminToken() {
        return Tokens.mintAdmin(ServerFixture.SECRET, "ops", List.of(), Duration.ofHours(1), Clock.systemUTC());
    }

    private void push(String... ops) {
        Response r = fx.http().push(alice, body(ops));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private void signIn(String token) {
        tab.waitUntil("!document.getElementById('login').hidden", WAIT, "the token form");
        tab.type("#token-input", token);
        tab.click("#token-submit");
    }

    private String text(String selector) {
        JsonNode v = tab.eval("(() => { const e = document.querySelector(" + dev.syncline.core.Json.write(selector)
                + "); return e ? e.textContent.trim() : null; })()");
        return v == null || v.isNull() ? null : v.asText();
    }

    /** @return the cells of the scope's row, by their data-field, as rendered */
    private JsonNode scopeRow(String scope) {
        return tab.eval("(() => { const tr = document.querySelector('#scopes tr[data-scope=\"" + scope + "\"]');"
                + " if (!tr) return null; const o = {};"
                + " for (const td of tr.cells) o[td.dataset.field] = td.textContent.trim(); return o; })()");
    }

    @Test
    void page_withAnAdminTokenTypedIn_showsInstanceStoreScopesCountsTrafficAndRecentWrites() throws Exception {
        push(upsert("team-1", "a", 0, "{\"title\":\"private-title\"}"), upsert("team-1", "b", 0, "{}"),
                upsert("team-1", "c", 0, "{}"));
        push(upsert("team-1", "a", 1, "{}"));
        push(op(UUID.randomUUID().toString(), "team-1", "note", "b", "delete", 1, null));
        push(upsert("team-2", "x", 0, "{}"));
        push(upsert("team-1", "a", 0, "{}"), upsert("not-mine", "z", 0, "{}")); // a conflict and a rejection
        assertThat(fx.http().get("/v1/pull", alice).status()).isEqualTo(200);

        tab = chromium.open(fx.server().url() + "/admin");
        // Before a token: the form, and none of the server's data.
        signIn(adminToken());
        tab.waitUntil("document.querySelector('#scopes tr[data-scope=\"team-1\"]')", WAIT, "the scopes table");

        assertThat(text("#instance-id")).isEqualTo(fx.server().instanceId());
        assertThat(text("#header-instance")).isEqualTo(fx.server().instanceId());
        assertThat(text("#version")).isEqualTo(dev.syncline.server.SyncServer.version());
        assertThat(text("#uptime")).matches("\\d+ s|\\d+ min \\d+ s");
        assertThat(text("#store-kind")).isEqualTo("SQLite (embedded)");
        assertThat(text("#store-location")).isEqualTo(fx.dataDir().resolve("syncline.db").toAbsolutePath().toString());
        assertThat(text("#status")).isEqualTo("Healthy");
        assertThat(text("#health-database")).isEqualTo("reachable");

        assertThat(text("#traffic-pushes")).isEqualTo("5");
        assertThat(text("#traffic-pulls")).isEqualTo("1");
        assertThat(text("#traffic-applied")).isEqualTo("6");
        assertThat(text("#traffic-conflicts")).isEqualTo("1");
        assertThat(text("#traffic-rejections")).isEqualTo("1");
        assertThat(text("#traffic-streams")).isEqualTo("0");

        assertThat(text("#total-scopes")).isEqualTo("2");
        assertThat(text("#total-documents")).isEqualTo("3");
        assertThat(text("#total-tombstones")).isEqualTo("1");
        JsonNode team1 = scopeRow("team-1");
        assertThat(team1.get("head").asText()).isEqualTo("5");
        assertThat(team1.get("documents").asText()).isEqualTo("2");
        assertThat(team1.get("tombstones").asText()).isEqualTo("1");
        assertThat(team1.get("lastWrite").asText()).matches("\\d+ s ago");
        JsonNode team2 = scopeRow("team-2");
        assertThat(team2.get("head").asText()).isEqualTo("1");
        assertThat(team2.get("documents").asText()).isEqualTo("1");
        assertThat(team2.get("tombstones").asText()).isEqualTo("0");

        JsonNode recent = tab.eval("[...document.querySelectorAll('#recent tbody tr')].map(tr => {"
                + " const o = {}; for (const td of tr.cells) o[td.dataset.field] = td.textContent.trim(); return o; })");
        assertThat(recent).hasSize(4);
        List<String> rows = new java.util.ArrayList<>();
        recent.forEach(r -> rows.add(r.get("scope").asText() + "/" + r.get("type").asText() + "/" + r.get("id").asText()
                + " v" + r.get("version").asText() + " " + r.get("change").asText() + " by " + r.get("updatedBy").asText()));
        assertThat(rows).containsExactlyInAnyOrder("team-1/note/a v2 update by alice", "team-1/note/b v2 delete by alice",
                "team-1/note/c v1 create by alice", "team-2/note/x v1 create by alice");
        assertThat(recent).allSatisfy(r -> assertThat(r.get("time").asText()).isNotEqualTo("–"));
        assertThat(tab.eval("document.body.innerText").asText()).doesNotContain("private-title");

        // The stylesheet applied (its CSP hash matched), nothing was blocked, nothing threw.
        assertThat(tab.eval("getComputedStyle(document.querySelector('header')).display").asText()).isEqualTo("flex");
        assertThat(tab.cspViolations()).isEmpty();
        assertThat(tab.exceptions()).isEmpty();
        // The token lives in this tab's sessionStorage only.
        assertThat(tab.eval("sessionStorage.getItem('syncline.admin.token') !== null").asBoolean()).isTrue();
        assertThat(tab.eval("localStorage.length").asInt()).isZero();
        assertThat(tab.eval("document.getElementById('token-input').value").asText()).isEmpty();
        tab.screenshot(Path.of("target", "admin-page.png"));

        // It refreshes by itself: a new scope shows up without a reload.
        push(upsert("team-3", "late", 0, "{}"));
        tab.waitUntil("document.querySelector('#scopes tr[data-scope=\"team-3\"]')", WAIT, "team-3 after a refresh");
        tab.waitUntil("document.getElementById('traffic-pushes').textContent === '6'", WAIT, "6 pushes");

        // The filter narrows the table.
        tab.type("#scope-filter", "team-2");
        tab.waitUntil("document.querySelectorAll('#scopes tbody tr').length === 1"
                + " && document.querySelector('#scopes tr[data-scope=\"team-2\"]')", WAIT, "only team-2 listed");

        // Forgetting the token hides the data and clears the tab's storage.
        tab.click("#sign-out");
        tab.waitUntil("!document.getElementById('login').hidden && document.getElementById('dashboard').hidden",
                WAIT, "back to the token form");
        assertThat(tab.eval("sessionStorage.length").asInt()).isZero();
    }

    @Test
    void page_withAScopeToken_saysItIsNotAnAdminTokenAndShowsNoData() throws Exception {
        push(upsert("team-1", "a", 0, "{}"));
        tab = chromium.open(fx.server().url() + "/admin");
        signIn(alice);
        tab.waitUntil("!document.getElementById('login-error').hidden", WAIT, "an error message");
        assertThat(text("#login-error")).contains("not an admin token", "403", "syncline token --user you --admin",
                "forbidden");
        assertThat(tab.eval("document.getElementById('login').hidden").asBoolean()).isFalse();
        assertThat(tab.eval("document.getElementById('dashboard').hidden").asBoolean()).isTrue();
        assertThat(tab.eval("sessionStorage.length").asInt()).isZero();
        assertThat(tab.eval("document.body.innerText").asText()).doesNotContain("team-1", fx.server().instanceId());
        assertThat(tab.exceptions()).isEmpty();
        tab.screenshot(Path.of("target", "admin-page-403.png"));
    }

    @Test
    void page_withABadToken_saysTheServerRefusedIt() {
        tab = chromium.open(fx.server().url() + "/admin");
        signIn("not-a-token");
        tab.waitUntil("!document.getElementById('login-error').hidden", WAIT, "an error message");
        assertThat(text("#login-error")).contains("refused the token", "401", "unauthorized");
        assertThat(tab.eval("document.getElementById('dashboard').hidden").asBoolean()).isTrue();
        assertThat(tab.exceptions()).isEmpty();
    }

    @Test
    void page_withATokenInTheFragment_keepsItInTheTabAndTakesItOutOfTheAddressBar() {
        push(upsert("team-2", "x", 0, "{}"));
        tab = chromium.open(fx.server().url() + "/admin#token=" + adminToken());
        tab.waitUntil("document.querySelector('#scopes tr[data-scope=\"team-2\"]')", WAIT, "the scopes table");
        assertThat(tab.eval("location.href").asText()).isEqualTo(fx.server().url() + "/admin");
        assertThat(tab.eval("sessionStorage.getItem('syncline.admin.token')").asText()).startsWith("eyJ");
    }

    @Test
    void page_whenTheServerGoesAway_keepsTheLastFiguresAndSaysItIsOffline() {
        push(upsert("team-1", "a", 0, "{}"));
        tab = chromium.open(fx.server().url() + "/admin");
        signIn(adminToken());
        tab.waitUntil("document.querySelector('#scopes tr[data-scope=\"team-1\"]')", WAIT, "the scopes table");
        fx.server().close();
        tab.waitUntil("document.getElementById('status').textContent === 'Offline'", WAIT, "the offline status");
        assertThat(text("#message")).contains("Cannot reach the server", "retrying");
        assertThat(scopeRow("team-1")).isNotNull();
        assertThat(tab.eval("document.getElementById('dashboard').classList.contains('stale')").asBoolean()).isTrue();
    }
}
