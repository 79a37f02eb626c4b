#!/usr/bin/env node
// GraphiQL in a real browser: Debian's headless Chromium (/usr/bin/chromium) driven by
// playwright-core (which never downloads a browser of its own).
//
//   node tests/browser/graphiql.mjs <base-url> <email> <password> [expired-access-token]
//
// Opens <base-url>/graphql and, as a person would, types a `login` mutation into the query
// editor and runs it: the page must put {"Authorization": "Bearer <accessToken>"} into the
// Headers pane itself. Then it runs `query WhoAmI { me { email role } }` without touching the
// headers and checks that the result pane shows the signed-in user's email. With an expired
// access token, it then types that token into the Headers pane (as it would be after 15
// minutes) and runs WhoAmI again: the page must refresh the token with the refresh token from
// the login, put the new one into the pane, and answer `me`. Any request to another origin is
// blocked and fails the run, as do page errors, console errors and failed asset loads (the one
// expected 401 of the expired token excepted): GraphiQL must work with no internet.
// Saves a screenshot to $ARTIFACTS_DIR/graphiql.png (default: <repo>/artifacts/graphiql.png).
// Exit code 0 when every check passed, 1 otherwise (the reason is printed), 2 on bad usage.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const QUERY = "query WhoAmI { me { email role } }";
const LOGIN = (email, password) =>
  `mutation SignIn { login(input: {email: "${email}", password: "${password}"}) ` +
  "{ accessToken refreshToken } }";
const STEP_TIMEOUT_MS = 30_000;

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = resolve(process.env.ARTIFACTS_DIR || join(here, "..", "..", "artifacts"));

function usage() {
  console.error("usage: node graphiql.mjs <base-url> <email> <password> [expired-access-token]");
  process.exit(2);
}

const normalise = (text) => text.replace(/\s+/g, " ").trim();

async function main() {
  const [baseArg, email, password, expiredToken] = process.argv.slice(2);
  if (!baseArg || baseArg.startsWith("-") || !email || !password) usage();
  const base = new URL(baseArg);
  const endpoint = new URL("/graphql", base).href;

  rmSync(join(artifacts, "graphiql-failure.png"), { force: true });
  const problems = [];
  const userDataDir = mkdtempSync(join(tmpdir(), "graphiql-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1400, height: 900 },
  });
  let page;
  try {
    // No internet: anything not from the server under test is blocked and reported.
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("data:") || new URL(url).origin === base.origin) return route.continue();
      problems.push(`request to another origin: ${url}`);
      return route.abort("blockedbyclient");
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    let expected401Logs = 0; // Chromium logs every 4xx fetch; the expected 401's line is fine
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      if (expected401Logs > 0 && message.text().includes("status of 401")) {
        expected401Logs -= 1;
        return;
      }
      problems.push(`console error: ${message.text()}`);
    });
    page.on("requestfailed", (request) => {
      problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
    });
    let expected401 = 0; // the expired token's one request, announced before it is sent
    page.on("response", (response) => {
      if (response.status() === 401 && expected401 > 0) {
        expected401 -= 1;
        return;
      }
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });

    // GraphiQL loads the schema (introspection) on start; the run should not race it.
    const schemaLoaded = page.waitForResponse(
      (r) => r.url().startsWith(endpoint) && (r.request().postData() || "").includes("__schema"),
    );
    const opened = await page.goto(new URL("/graphql", base).href, { waitUntil: "load" });
    if (!opened || opened.status() !== 200) {
      throw new Error(`GET /graphql answered ${opened?.status()}`);
    }
    const queryEditor = page.locator(".graphiql-query-editor .CodeMirror");
    await queryEditor.waitFor();
    if ((await schemaLoaded).status() !== 200) throw new Error("introspection failed");

    const headersEditor = page.locator(
      "section.graphiql-editor-tool[aria-label='Headers'] .graphiql-editor:not(.hidden) > .CodeMirror",
    );
    const headersValue = () => headersEditor.evaluate((el) => el.CodeMirror.getValue());
    const bearerInPane = async () => {
      const text = await headersValue();
      try {
        const value = JSON.parse(text).Authorization;
        return typeof value === "string" ? value.replace(/^Bearer /, "") : null;
      } catch {
        return null;
      }
    };
    const waitForPaneToken = async (unlike) => {
      const deadline = Date.now() + STEP_TIMEOUT_MS;
      for (;;) {
        const token = await bearerInPane();
        if (token && token !== unlike) return token;
        if (Date.now() > deadline) {
          throw new Error(`the headers pane never got a new token: ${await headersValue()}`);
        }
        await page.waitForTimeout(50); // polling the editor, not waiting for time to pass
      }
    };
    // Types a document into the query editor as a person would, and runs it.
    const run = async (document, operationName) => {
      await queryEditor.click();
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.press("Delete");
      await page.keyboard.insertText(document);
      await page.keyboard.press("Escape"); // close an autocomplete list, if one is open
      const typed = await queryEditor.evaluate((el) => el.CodeMirror.getValue());
      if (normalise(typed) !== normalise(document)) {
        throw new Error(`the query editor holds ${JSON.stringify(typed)}, not the typed query`);
      }
      // GraphiQL reads the operation's name from the editor a moment after an edit (debounced):
      // run only once it names the typed operation, or it sends the previous one's name.
      await page.waitForFunction(
        (name) => document.querySelector(".graphiql-query-editor .CodeMirror")
          ?.CodeMirror?.operationName === name,
        operationName,
      );
      const answered = page.waitForResponse(
        (r) => r.url().startsWith(endpoint) && r.request().method() === "POST" &&
          (r.request().postData() || "").includes(operationName) && r.status() !== 401,
      );
      await page.locator(".graphiql-execute-button").click();
      return answered;
    };
    const shownResult = async () =>
      JSON.parse(await resultPane.locator(".CodeMirror").evaluate((el) => el.CodeMirror.getValue()));
    const resultPane = page.locator(".graphiql-response");

    // 1. Sign in by running `login` in GraphiQL: the page fills the Headers pane itself.
    if (await bearerInPane()) throw new Error("the headers pane holds a token before login");
    const signIn = await (await run(LOGIN(email, password), "SignIn")).json();
    const accessToken = signIn.data?.login?.accessToken;
    if (!accessToken) throw new Error(`login failed: ${JSON.stringify(signIn)}`);
    if ((await waitForPaneToken(null)) !== accessToken) {
      throw new Error(`the headers pane holds ${await headersValue()}, not the login's token`);
    }

    // 2. `me` without touching the headers.
    const whoAmI = await run(QUERY, "WhoAmI");
    if ((await whoAmI.request().headerValue("authorization")) !== `Bearer ${accessToken}`) {
      throw new Error("GraphiQL did not send the Authorization header from the headers pane");
    }
    await resultPane.getByText(email).first().waitFor();
    let shown = await shownResult();
    if (shown.errors || shown.data?.me?.email !== email) {
      throw new Error(`the result pane shows ${JSON.stringify(shown)}`);
    }

    // 3. An expired access token in the pane: refreshed and retried by the page.
    let refreshedToken = null;
    if (expiredToken) {
      await page.getByRole("button", { name: "Headers", exact: true }).click();
      await headersEditor.click();
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.press("Delete");
      await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${expiredToken}` }));
      if ((await bearerInPane()) !== expiredToken) throw new Error("could not type the token");
      expected401 = 1;
      expected401Logs = 1;
      const refreshed = page.waitForResponse(
        (r) => (r.request().postData() || "").includes("GraphiQLRefresh"),
      );
      const retried = await run(QUERY, "WhoAmI");
      if ((await refreshed).status() !== 200) throw new Error("the refresh request failed");
      refreshedToken = await waitForPaneToken(expiredToken);
      if (refreshedToken === accessToken) throw new Error("the pane still holds the old token");
      if ((await retried.request().headerValue("authorization")) !== `Bearer ${refreshedToken}`) {
        throw new Error("the retried request did not carry the refreshed token");
      }
      if (expected401 !== 0) throw new Error("the expired token was never answered 401");
      shown = await shownResult();
      if (shown.errors || shown.data?.me?.email !== email) {
        throw new Error(`after the refresh the result pane shows ${JSON.stringify(shown)}`);
      }
    }
    const visible = await resultPane.innerText();
    if (!visible.includes(email)) {
      throw new Error(`the result pane's visible text lacks ${email}: ${visible}`);
    }
    await page.keyboard.press("Home");

    mkdirSync(artifacts, { recursive: true });
    const screenshot = join(artifacts, "graphiql.png");
    await page.screenshot({ path: screenshot });
    if (problems.length) throw new Error(problems.join("\n"));
    console.log(JSON.stringify({ ok: true, email, refreshed: refreshedToken !== null, result: shown, screenshot }));
  } catch (error) {
    if (page) {
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, "graphiql-failure.png") }).catch(() => {});
    }
    throw error;
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`graphiql browser test failed: ${error.stack || error}`);
  process.exit(1);
});
