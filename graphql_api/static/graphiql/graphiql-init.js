// Starts GraphiQL for the booking API (our own file; the rest of this folder is vendored).
// Queries and mutations are POSTed to the page's own URL (/graphql); subscriptions use the
// graphql-transport-ws WebSocket on the same URL. Whatever is in the Headers pane goes with each
// request, and into connection_init's payload for subscriptions, so
// {"Authorization": "Bearer <accessToken>"} signs in both.
//
// Signing in for you: when an answer carries an AuthPayload (login, register, refreshToken),
// the page puts {"Authorization": "Bearer <accessToken>"} into the Headers pane itself (other
// headers kept; visible and editable) and keeps the refresh token in memory only. When a request
// is answered 401 (the access token expired or is invalid), the page calls refreshToken once,
// puts the new access token into the pane and sends the request again.
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
    "# 2. The page puts the access token into the",
    "#    Headers tab below this editor itself:",
    '#      {"Authorization": "Bearer <accessToken>"}',
    "#    and refreshes it when it expires (15 minutes).",
    "# 3. Run Me, OpenSlots or anything else; the Docs",
    "#    button (top left) lists every operation.",
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

  var REFRESH = "mutation GraphiQLRefresh($refreshToken: String!) {" +
    " refreshToken(refreshToken: $refreshToken) { accessToken refreshToken } }";
  // The sign-in the page keeps: never written to storage (a refresh token is a credential).
  var session = { refreshToken: null, refreshing: null };
  var headersText = "";

  function render() {
    root.render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        defaultQuery: DEFAULT_QUERY,
        defaultEditorToolsVisibility: "headers",
        isHeadersEditorEnabled: true,
        // Set by the page after a sign-in; GraphiQL copies it into the Headers pane.
        headers: headersText,
        onEditHeaders: function (text) {
          headersText = text;
        },
        // An access token is a credential: keep it out of localStorage.
        shouldPersistHeaders: false,
        inputValueDeprecation: true,
      }),
    );
  }

  // The Headers pane with `Authorization` set to the token; other headers the user typed stay.
  function useAccessToken(accessToken) {
    var headers = {};
    try {
      var parsed = JSON.parse(headersText || "{}");
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) headers = parsed;
    } catch (_error) {
      // Not JSON (half-typed): replaced by the sign-in.
    }
    Object.keys(headers).forEach(function (name) {
      if (name.toLowerCase() === "authorization") delete headers[name];
    });
    headers.Authorization = "Bearer " + accessToken;
    headersText = JSON.stringify(headers, null, 2);
    render();
  }

  // An answer's AuthPayload (under any alias): {accessToken, refreshToken}, or null.
  function signInOf(body) {
    var data = body && typeof body === "object" ? body.data : null;
    if (!data || typeof data !== "object") return null;
    var keys = Object.keys(data);
    for (var i = 0; i < keys.length; i++) {
      var value = data[keys[i]];
      if (value && typeof value === "object" && typeof value.accessToken === "string") {
        return value;
      }
    }
    return null;
  }

  function remember(payload) {
    if (typeof payload.refreshToken === "string") session.refreshToken = payload.refreshToken;
    useAccessToken(payload.accessToken);
  }

  // One refresh at a time; resolves to the new access token, or null (sign in again).
  function refresh() {
    if (!session.refreshToken) return Promise.resolve(null);
    if (!session.refreshing) {
      var refreshToken = session.refreshToken;
      session.refreshToken = null; // rotated by the server: never sent twice
      session.refreshing = window
        .fetch(endpoint.href, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ query: REFRESH, variables: { refreshToken: refreshToken } }),
        })
        .then(function (response) {
          return response.json();
        })
        .then(function (body) {
          var payload = signInOf(body);
          if (!payload) return null;
          remember(payload);
          return payload.accessToken;
        })
        .catch(function () {
          return null;
        })
        .finally(function () {
          session.refreshing = null;
        });
    }
    return session.refreshing;
  }

  function withAccessToken(init, accessToken) {
    var headers = {};
    var given = (init && init.headers) || {};
    Object.keys(given).forEach(function (name) {
      if (name.toLowerCase() !== "authorization") headers[name] = given[name];
    });
    headers.Authorization = "Bearer " + accessToken;
    return Object.assign({}, init, { headers: headers });
  }

  // GraphiQL's HTTP requests: a 401 is refreshed and retried once; sign-ins fill the pane.
  function signingInFetch(input, init) {
    return window.fetch(input, init).then(function (response) {
      var retried =
        response.status === 401 && session.refreshToken
          ? refresh().then(function (accessToken) {
              return accessToken ? window.fetch(input, withAccessToken(init, accessToken)) : response;
            })
          : Promise.resolve(response);
      return retried.then(function (answer) {
        var type = answer.headers.get("content-type") || "";
        if (!answer.ok || type.indexOf("json") === -1) return answer;
        return answer
          .clone()
          .json()
          .then(function (body) {
            var payload = signInOf(body);
            if (payload) remember(payload);
            return answer;
          })
          .catch(function () {
            return answer;
          });
      });
    });
  }

  var fetcher = GraphiQL.createFetcher({
    url: endpoint.href,
    subscriptionUrl: subscriptionUrl.href,
    fetch: signingInFetch,
  });

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  render();
})();
