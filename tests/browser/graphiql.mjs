#!/usr/bin/env node
// GraphiQL in a real browser: Debian's headless Chromium (/usr/bin/chromium) driven by
// playwright-core (which never downloads a browser of its own).
//
//   node tests/browser/graphiql.mjs <base-url> [access-token] [expected-email]
//
// Opens <base-url>/graphql, types `query WhoAmI { me { email role } }` into the query editor,
// puts {"Authorization": "Bearer <token>"} in the Headers pane, presses the run button and
// checks that the result pane shows the signed-in user's email. Without a token it signs in
// over fetch as $GRAPHIQL_TEST_EMAIL / $GRAPHIQL_TEST_PASSWORD (default: the demo customer of
// `graphql-api seed --demo`). Any request to another origin is blocked and fails the run, as do
// page errors, console errors and failed asset loads: GraphiQL must work with no internet.
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
const STEP_TIMEOUT_MS = 30_000;

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = resolve(process.env.ARTIFACTS_DIR || join(here, "..", "..", "artifacts"));

function usage() {
  console.error("usage: node graphiql.mjs <base-url> [access-token] [expected-email]");
  process.exit(2);
}

async function graphql(endpoint, query, variables, token) {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) {
    throw new Error(`${response.status} ${JSON.stringify(body.errors)}`);
  }
  return body.data;
}

const normalise = (text) => text.replace(/\s+/g, " ").trim();

async function main() {
  const [baseArg, tokenArg, emailArg] = process.argv.slice(2);
  if (!baseArg || baseArg.startsWith("-")) usage();
  const base = new URL(baseArg);
  const endpoint = new URL("/graphql", base).href;

  let token = tokenArg;
  if (!token) {
    const email = process.env.GRAPHIQL_TEST_EMAIL || "customer01@example.com";
    const password = process.env.GRAPHIQL_TEST_PASSWORD || "demo-customer-password";
    const data = await graphql(
      endpoint,
      "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }",
      { e: email, p: password },
    );
    token = data.login.accessToken;
  }
  // What the page must show: asked over plain HTTP first (this also proves the token works).
  const expectedEmail = emailArg || (await graphql(endpoint, "{ me { email } }", {}, token)).me.email;

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
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    });
    page.on("requestfailed", (request) => {
      problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
    });
    page.on("response", (response) => {
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

    // The query editor: select everything, type our query.
    await queryEditor.click();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.press("Delete");
    await page.keyboard.type(QUERY, { delay: 5 });
    await page.keyboard.press("Escape"); // close an autocomplete list, if one is open
    const typedQuery = await queryEditor.evaluate((el) => el.CodeMirror.getValue());
    if (normalise(typedQuery) !== QUERY) {
      throw new Error(`the query editor holds ${JSON.stringify(typedQuery)}, not the typed query`);
    }

    // The headers pane: open its tab, type the Authorization header.
    await page.getByRole("button", { name: "Headers", exact: true }).click();
    const headersEditor = page.locator("section.graphiql-editor-tool[aria-label='Headers'] .graphiql-editor:not(.hidden) > .CodeMirror");
    await headersEditor.click();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.press("Delete");
    // Typed as a person would: the editor closes the brace and quote itself, and the token is
    // pasted (insertText) rather than typed key by key.
    await page.keyboard.type('{"Authorization": "Bearer ');
    await page.keyboard.insertText(token);
    await page.keyboard.press("Escape");
    await page.keyboard.press("Home"); // so the screenshot shows the header's name
    const typedHeaders = await headersEditor.evaluate((el) => el.CodeMirror.getValue());
    if (JSON.parse(typedHeaders).Authorization !== `Bearer ${token}`) {
      throw new Error(`the headers pane holds ${JSON.stringify(typedHeaders)}`);
    }

    // Run it and read the result pane.
    const answer = page.waitForResponse(
      (r) => r.url().startsWith(endpoint) && r.request().method() === "POST" &&
        (r.request().postData() || "").includes("WhoAmI"),
    );
    await page.locator(".graphiql-execute-button").click();
    const response = await answer;
    const sentAuthorization = await response.request().headerValue("authorization");
    if (sentAuthorization !== `Bearer ${token}`) {
      throw new Error("GraphiQL did not send the Authorization header from the headers pane");
    }
    const resultPane = page.locator(".graphiql-response");
    await resultPane.getByText(expectedEmail).first().waitFor();
    const shown = JSON.parse(
      await resultPane.locator(".CodeMirror").evaluate((el) => el.CodeMirror.getValue()),
    );
    if (shown.errors || shown.data?.me?.email !== expectedEmail) {
      throw new Error(`the result pane shows ${JSON.stringify(shown)}`);
    }
    const visible = await resultPane.innerText();
    if (!visible.includes(expectedEmail)) {
      throw new Error(`the result pane's visible text lacks ${expectedEmail}: ${visible}`);
    }

    mkdirSync(artifacts, { recursive: true });
    const screenshot = join(artifacts, "graphiql.png");
    await page.screenshot({ path: screenshot });
    if (problems.length) throw new Error(problems.join("\n"));
    console.log(JSON.stringify({ ok: true, email: expectedEmail, result: shown, screenshot }));
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
