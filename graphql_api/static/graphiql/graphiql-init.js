// Starts GraphiQL for the booking API (our own file; the rest of this folder is vendored).
// Queries and mutations are POSTed to the page's own URL (/graphql); subscriptions use the
// graphql-transport-ws WebSocket on the same URL. Whatever is in the Headers pane goes with each
// request, and into connection_init's payload for subscriptions, so
// {"Authorization": "Bearer <accessToken>"} signs in both.
(function () {
  "use strict";

  var DEFAULT_QUERY = [
    "# Booking API: GraphiQL",
    "#",
    "# 1. Sign in: run Login below. The play button asks",
    "#    which operation; Ctrl-Enter runs the one under",
    "#    the cursor. Demo data (`seed --demo`) has",
    "#    customer01@example.com with the password",
    "#    demo-customer-password; or use `register`.",
    "# 2. Copy data.login.accessToken from the result,",
    "#    then in the Headers tab below this editor put:",
    '#      {"Authorization": "Bearer <accessToken>"}',
    "# 3. Run Me, OpenSlots or anything else; the Docs",
    "#    button (top left) lists every operation. When",
    "#    an answer says UNAUTHENTICATED, the token has",
    "#    expired: log in again (or call refreshToken).",
    "",
    "mutation Login {",
    "  login(input: {",
    '    email: "customer01@example.com"',
    '    password: "demo-customer-password"',
    "  }) {",
    "    accessToken",
    "    refreshToken",
    "    expiresIn",
    "    user {",
    "      email",
    "      role",
    "    }",
    "  }",
    "}",
    "",
    "query Me {",
    "  me {",
    "    email",
    "    fullName",
    "    role",
    "  }",
    "}",
    "",
    "query OpenSlots {",
    "  slots(first: 5, filter: {availableOnly: true}) {",
    "    totalCount",
    "    edges {",
    "      node {",
    "        id",
    "        title",
    "        location",
    "        startsAt",
    "        timeZone",
    "        remaining",
    "      }",
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");

  var endpoint = new URL(window.location.href);
  endpoint.search = "";
  endpoint.hash = "";
  var subscriptionUrl = new URL(endpoint.href);
  subscriptionUrl.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

  var fetcher = GraphiQL.createFetcher({
    url: endpoint.href,
    subscriptionUrl: subscriptionUrl.href,
  });

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      // An access token is a credential: keep it out of localStorage.
      shouldPersistHeaders: false,
      inputValueDeprecation: true,
    }),
  );
})();
