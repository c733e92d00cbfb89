/* FACTURAgem API playground: plain JavaScript, no framework, no external asset.
 *
 * The route table comes from /playground/routes.json (the server's own URL resolver).
 * The api_key from POST /session is kept in sessionStorage and sent as X-Api-Key.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "facturagem.playground.session";
  var WRITE_METHODS = ["POST", "PUT", "PATCH"];
  var STATUS_TEXT = {
    200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 406: "Not Acceptable", 413: "Payload Too Large",
    415: "Unsupported Media Type", 422: "Unprocessable Entity", 429: "Too Many Requests",
    500: "Internal Server Error"
  };

  var body = document.body;
  var apiRoot = body.dataset.apiRoot || "/api/v1";
  var state = {
    routes: [],
    operations: [],       // {key, route, method}
    ids: {},              // last value typed for each path id
    session: null,        // {api_key, user}
    operationKey: null
  };

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") { node.textContent = attrs[name]; }
      else if (name === "className") { node.className = attrs[name]; }
      else if (name.indexOf("data-") === 0 || name.indexOf("aria-") === 0 || name === "list" ||
               name === "for" || name === "role") { node.setAttribute(name, attrs[name]); }
      else { node[name] = attrs[name]; }
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function text(value) { return document.createTextNode(value); }

  // -- session ---------------------------------------------------------------------------

  function loadSession() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "null");
      if (saved && saved.api_key && saved.user) { return saved; }
    } catch (error) { /* a damaged entry is no session */ }
    return null;
  }

  function saveSession(session) {
    state.session = session;
    if (session) { window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session)); }
    else { window.sessionStorage.removeItem(STORAGE_KEY); }
    renderSession();
  }

  function renderSession() {
    var session = state.session;
    $("login-form").hidden = !!session;
    $("session-info").hidden = !session;
    if (session) {
      var user = session.user;
      var name = [user.first_name, user.last_name].filter(Boolean).join(" ");
      $("session-user").textContent = user.login + (name ? " (" + name + ")" : "");
      $("session-account").textContent = String(user.account_id);
      if (user.account_id !== null && user.account_id !== undefined) {
        state.ids.account_id = String(user.account_id);
        var input = $("id-account_id");
        if (input && !input.value) { input.value = state.ids.account_id; }
      }
    }
    updatePreview();
  }

  function showSessionMessage(message) {
    var node = $("session-message");
    node.textContent = message || "";
    node.hidden = !message;
  }

  function errorText(data, fallback) {
    if (data && data.errors) {
      if (Array.isArray(data.errors)) { return data.errors.join(" "); }
      return Object.keys(data.errors).map(function (key) {
        return key + " " + [].concat(data.errors[key]).join(", ");
      }).join("; ");
    }
    return fallback;
  }

  function login(event) {
    event.preventDefault();
    showSessionMessage("");
    var payload = { login: $("login-input").value, password: $("password-input").value };
    var started = performance.now();
    var url = apiRoot + "/session.json";
    $("login-button").disabled = true;
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(payload),
      credentials: "omit"
    }).then(function (response) {
      return readResponse(response).then(function (result) {
        // The password is never echoed: the response panel shows the request as sent minus it.
        showResponse("POST", url, response, result, started);
        if (response.ok && result.json && result.json.api_key) {
          $("password-input").value = "";
          saveSession({ api_key: result.json.api_key, user: result.json });
        } else {
          showSessionMessage("Login failed: " + errorText(result.json, response.status + ""));
        }
      });
    }).catch(function (error) {
      showSessionMessage("Login failed: " + error.message);
    }).then(function () { $("login-button").disabled = false; });
  }

  function logout() {
    var session = state.session;
    if (!session) { return; }
    var url = apiRoot + "/session.json";
    var started = performance.now();
    fetch(url, {
      method: "DELETE", headers: { "X-Api-Key": session.api_key }, credentials: "omit"
    }).then(function (response) {
      return readResponse(response).then(function (result) {
        showResponse("DELETE", url, response, result, started);
      });
    }).catch(function () { /* logged out locally all the same */ })
      .then(function () {
        saveSession(null);
        showSessionMessage("");
      });
  }

  // -- operations ------------------------------------------------------------------------

  function loadRoutes() {
    return fetch(body.dataset.routesUrl, { headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        apiRoot = data.api_root || apiRoot;
        state.routes = data.routes.map(function (route) {
          var compiled = null;
          try { compiled = new RegExp(route.regex); } catch (error) { compiled = null; }
          return Object.assign({}, route, { compiled: compiled });
        });
        buildOperations();
      });
  }

  function buildOperations() {
    var select = $("operation-select");
    select.textContent = "";
    var groups = {};
    state.operations = [];
    state.routes.forEach(function (route) {
      route.methods.forEach(function (method) {
        if (method === "PATCH") { return; }  // PATCH is PUT (still available as a verb)
        var operation = { key: route.name + ":" + method, route: route, method: method };
        state.operations.push(operation);
        var label = route.resource || "other";
        if (!groups[label]) {
          groups[label] = el("optgroup", { label: label });
          select.appendChild(groups[label]);
        }
        groups[label].appendChild(el("option", {
          value: operation.key,
          text: method + " " + route.path + (route.public.indexOf(method) >= 0 ? "  · no key needed" : "")
        }));
      });
    });
  }

  function currentOperation() {
    var key = $("operation-select").value;
    for (var i = 0; i < state.operations.length; i += 1) {
      if (state.operations[i].key === key) { return state.operations[i]; }
    }
    return null;
  }

  function currentRoute() {
    var operation = currentOperation();
    return operation ? operation.route : null;
  }

  function setOptions(select, values, selected) {
    select.textContent = "";
    values.forEach(function (value) {
      select.appendChild(el("option", { value: value, text: value }));
    });
    if (values.indexOf(selected) >= 0) { select.value = selected; }
  }

  function selectOperation(key, options) {
    options = options || {};
    $("operation-select").value = key;
    var operation = currentOperation();
    if (!operation) { return; }
    var route = operation.route;
    var format = options.format || $("format-select").value || "json";
    setOptions($("method-select"), route.methods, operation.method);
    setOptions($("format-select"), route.formats,
      route.formats.indexOf(format) >= 0 ? format : (route.formats.indexOf("json") >= 0 ? "json" : route.formats[0]));
    $("operation-doc").textContent = [summary(route, operation.method), route.doc]
      .filter(Boolean).join(" ");
    $("path-template").textContent = route.path + ".{format}";
    renderIdFields(route, options.ids || {});
    if (key !== state.operationKey) {
      // Another operation is another request: its own parameters and body.
      setParamRows(options.params || []);
      $("raw-body").value = "";
      state.operationKey = key;
    } else if (options.params) {
      setParamRows(options.params);
    }
    methodChanged();
  }

  function summary(route, method) {
    var member = /\}$/.test(route.path);
    var noun = route.resource || "resource";
    var params = route.params[method] || [];
    switch (method) {
      case "GET":
        if (member) { return "Reads one " + noun + "."; }
        if (params.indexOf("page") >= 0) {
          return "Lists " + (route.collection || noun + "s") +
            ", paginated (page, per_page; X-Total-Count and Link headers).";
        }
        return "";
      case "POST": return "Creates a " + noun + ": 200 with it, and its URI in Location.";
      case "PUT":
      case "PATCH":
        return "Updates the " + noun + " (attributes not sent keep their values): 200, empty body.";
      case "DELETE": return "Deletes the " + noun + ": 200, empty body.";
      default: return "";
    }
  }

  function renderIdFields(route, values) {
    var container = $("id-fields");
    container.textContent = "";
    if (!route.ids.length) {
      container.appendChild(el("p", { className: "hint", text: "No ids in this path." }));
      return;
    }
    route.ids.forEach(function (name) {
      if (values[name] !== undefined) { state.ids[name] = values[name]; }
      var input = el("input", {
        id: "id-" + name, name: name, required: true, autocomplete: "off",
        value: state.ids[name] || "", placeholder: name === "code" ? "ES" : "1",
        "data-testid": "path-id-" + name
      });
      input.addEventListener("input", function () {
        state.ids[name] = input.value.trim();
        input.classList.remove("invalid");
        updatePreview();
      });
      container.appendChild(el("div", { className: "field id-field" }, [
        el("label", { "for": "id-" + name, text: name }), input
      ]));
    });
  }

  function methodChanged() {
    var route = currentRoute();
    var method = $("method-select").value;
    var datalist = $("allowed-params");
    datalist.textContent = "";
    var names = (route && route.params[method]) || [];
    names.filter(function (name) { return route.ids.indexOf(name) < 0; }).forEach(function (name) {
      datalist.appendChild(el("option", { value: name }));
    });
    $("body-group").hidden = WRITE_METHODS.indexOf(method) < 0;
    bodyModeChanged();
  }

  function bodyModeChanged() {
    var mode = $("body-mode-select").value;
    var isWrite = WRITE_METHODS.indexOf($("method-select").value) >= 0;
    var raw = mode !== "form";
    $("params-hint").textContent = (isWrite && !raw)
      ? "Sent as form fields. Rails syntax works: lines[][description]. Suggestions list the operation's allowed params."
      : "Sent in the query string" + (isWrite ? " (the body is the raw " + mode.toUpperCase() +
        " below)" : "") + ". Suggestions list the operation's allowed params.";
    $("raw-body-field").hidden = !raw;
    var area = $("raw-body");
    var route = currentRoute();
    var resource = (route && route.resource) || "resource";
    if (raw && !area.value.trim()) {
      area.value = mode === "json"
        ? "{\n  \"" + resource + "\": {\n  }\n}"
        : "<" + resource + ">\n</" + resource + ">";
    }
    updatePreview();
  }

  // -- parameters ------------------------------------------------------------------------

  function addParamRow(key, value) {
    var rows = $("param-rows");
    var index = rows.children.length;
    var keyInput = el("input", {
      className: "param-key", value: key || "", placeholder: "name", autocomplete: "off",
      list: "allowed-params", "aria-label": "Parameter name", "data-testid": "param-key-" + index
    });
    var valueInput = el("input", {
      className: "param-value", value: value || "", placeholder: "value", autocomplete: "off",
      "aria-label": "Parameter value", "data-testid": "param-value-" + index
    });
    var remove = el("button", {
      type: "button", className: "button button-icon", text: "×",
      "aria-label": "Remove parameter", title: "Remove"
    });
    var row = el("div", { className: "param-row" }, [keyInput, valueInput, remove]);
    remove.addEventListener("click", function () { row.remove(); renumberRows(); updatePreview(); });
    keyInput.addEventListener("input", updatePreview);
    valueInput.addEventListener("input", updatePreview);
    rows.appendChild(row);
    return row;
  }

  function renumberRows() {
    Array.prototype.forEach.call($("param-rows").children, function (row, index) {
      row.querySelector(".param-key").setAttribute("data-testid", "param-key-" + index);
      row.querySelector(".param-value").setAttribute("data-testid", "param-value-" + index);
    });
    if (!$("param-rows").children.length) { addParamRow(); }
  }

  function setParamRows(pairs) {
    $("param-rows").textContent = "";
    pairs.forEach(function (pair) { addParamRow(pair[0], pair[1]); });
    addParamRow();
  }

  function paramPairs() {
    var pairs = [];
    Array.prototype.forEach.call($("param-rows").children, function (row) {
      var key = row.querySelector(".param-key").value.trim();
      if (key) { pairs.push([key, row.querySelector(".param-value").value]); }
    });
    return pairs;
  }

  // -- building and sending --------------------------------------------------------------

  function buildRequest() {
    var operation = currentOperation();
    if (!operation) { return null; }
    var route = operation.route;
    var method = $("method-select").value;
    var format = $("format-select").value;
    var missing = [];
    var path = route.path.replace(/\{(\w+)\}/g, function (match, name) {
      var value = (state.ids[name] || "").trim();
      if (!value) { missing.push(name); }
      return encodeURIComponent(value);
    });
    var url = path + (format ? "." + format : "");
    var pairs = paramPairs();
    var isWrite = WRITE_METHODS.indexOf(method) >= 0;
    var mode = isWrite ? $("body-mode-select").value : "query";
    var headers = { "Accept": format === "xml" ? "application/xml" : (format === "pdf" ? "application/pdf" : "application/json") };
    var requestBody = null;
    var query = new URLSearchParams();
    if (mode === "form") {
      requestBody = new URLSearchParams();
      pairs.forEach(function (pair) { requestBody.append(pair[0], pair[1]); });
      headers["Content-Type"] = "application/x-www-form-urlencoded";
    } else {
      pairs.forEach(function (pair) { query.append(pair[0], pair[1]); });
      if (mode === "json" || mode === "xml") {
        requestBody = $("raw-body").value;
        headers["Content-Type"] = mode === "json" ? "application/json" : "application/xml";
      }
    }
    var queryString = query.toString();
    if (queryString) { url += "?" + queryString; }
    if (state.session) { headers["X-Api-Key"] = state.session.api_key; }
    return { method: method, url: url, headers: headers, body: requestBody, missing: missing, format: format };
  }

  function updatePreview() {
    var request = buildRequest();
    var preview = $("request-preview");
    if (!request) { preview.textContent = ""; return; }
    preview.textContent = request.method + " " + window.location.origin + request.url +
      (state.session ? "\nX-Api-Key: " + state.session.api_key.slice(0, 6) + "…" : "\n(no api_key: log in first)");
  }

  function showRequestMessage(message) {
    $("request-message").textContent = message || "";
    $("request-message").hidden = !message;
  }

  function send(event) {
    if (event) { event.preventDefault(); }
    var request = buildRequest();
    if (!request) { return; }
    if (request.missing.length) {
      request.missing.forEach(function (name) {
        var input = $("id-" + name);
        if (input) { input.classList.add("invalid"); }
      });
      showRequestMessage("Fill the path ids: " + request.missing.join(", "));
      var first = $("id-" + request.missing[0]);
      if (first) { first.focus(); }
      return;
    }
    showRequestMessage("");
    if (request.format === "pdf" && request.method === "GET") {
      openPdf(request.url);
      return;
    }
    var started = performance.now();
    $("send-button").disabled = true;
    $("send-button").textContent = "Sending…";
    fetch(request.url, {
      method: request.method, headers: request.headers, body: request.body, credentials: "omit"
    }).then(function (response) {
      return readResponse(response).then(function (result) {
        showResponse(request.method, request.url, response, result, started);
      });
    }).catch(function (error) {
      showNetworkError(request, error);
    }).then(function () {
      $("send-button").disabled = false;
      $("send-button").textContent = "Send request";
    });
  }

  function readResponse(response) {
    var type = (response.headers.get("Content-Type") || "").toLowerCase();
    if (type.indexOf("application/pdf") === 0 || type.indexOf("application/zip") === 0) {
      return response.blob().then(function (blob) { return { blob: blob, type: type }; });
    }
    return response.text().then(function (content) {
      var result = { text: content, type: type, json: null };
      if (content && type.indexOf("json") >= 0) {
        try { result.json = JSON.parse(content); } catch (error) { result.json = null; }
      }
      return result;
    });
  }

  // -- PDFs: the key travels in a header, so the PDF is fetched and opened as a blob -----

  function openPdf(url) {
    // Opened now, while the click still counts as a user gesture (no popup blocker).
    var tab = window.open("", "_blank");
    if (tab) {
      try { tab.document.title = "Loading PDF…"; tab.document.body.textContent = "Loading PDF…"; }
      catch (error) { /* not ours to write to: fine */ }
    }
    var started = performance.now();
    var headers = { "Accept": "application/pdf" };
    if (state.session) { headers["X-Api-Key"] = state.session.api_key; }
    fetch(url, { headers: headers, credentials: "omit" }).then(function (response) {
      return readResponse(response).then(function (result) {
        showResponse("GET", url, response, result, started);
        if (result.blob && response.ok) {
          var objectUrl = URL.createObjectURL(result.blob);
          if (tab) { tab.location.href = objectUrl; }
          window.setTimeout(function () { URL.revokeObjectURL(objectUrl); }, 120000);
        } else if (tab) {
          tab.close();
        }
      });
    }).catch(function (error) {
      if (tab) { tab.close(); }
      showNetworkError({ method: "GET", url: url }, error);
    });
  }

  // -- the response panel -----------------------------------------------------------------

  function isApiUri(value) {
    if (typeof value !== "string") { return false; }
    var origin = window.location.origin;
    return value.indexOf(origin + apiRoot + "/") === 0 || value.indexOf(apiRoot + "/") === 0;
  }

  function apiLink(uri, label) {
    var link = el("a", { href: uri, className: "api-link", text: label, title: "Load into the request form" });
    link.setAttribute("data-uri", uri);
    if (/\.pdf$/.test(new URL(uri, window.location.origin).pathname)) {
      link.classList.add("pdf-link");
      link.title = "Open the PDF in a new tab";
    }
    return link;
  }

  function showNetworkError(request, error) {
    $("response-empty").hidden = true;
    $("response").hidden = false;
    var status = $("response-status");
    status.textContent = "Network error";
    status.className = "status status-error";
    $("response-time").textContent = "";
    $("response-url").textContent = request.method + " " + request.url;
    $("response-headers").tBodies[0].textContent = "";
    $("response-body").textContent = String(error && error.message || error);
  }

  function showResponse(method, url, response, result, started) {
    $("response-empty").hidden = true;
    $("response").hidden = false;
    var status = $("response-status");
    var code = response.status;
    status.textContent = code + " " + (response.statusText || STATUS_TEXT[code] || "");
    status.className = "status " + (code < 300 ? "status-ok" : code < 500 ? "status-warn" : "status-error");
    status.setAttribute("data-status", String(code));
    $("response-time").textContent = Math.round(performance.now() - started) + " ms";
    $("response-url").textContent = method + " " + new URL(url, window.location.origin).href;
    renderHeaders(response.headers);
    renderBody(result);
    if (code === 401 && state.session && !(method === "POST" && /\/session\.\w+$/.test(url))) {
      showSessionMessage("The API refused this tab's api_key (401): it was invalidated " +
        "(a logout elsewhere?). Log out and log in again.");
    }
  }

  function renderHeaders(headers) {
    var tbody = $("response-headers").tBodies[0];
    tbody.textContent = "";
    var count = 0;
    headers.forEach(function (value, name) {
      count += 1;
      var cell = el("td");
      if (name === "link") { renderLinkHeader(cell, value); }
      else if (name === "location" && isApiUri(value)) { cell.appendChild(apiLink(value, value)); }
      else { cell.textContent = value; }
      tbody.appendChild(el("tr", {}, [el("th", { scope: "row", text: name }), cell]));
    });
    $("response-headers-box").querySelector("summary").textContent = "Headers (" + count + ")";
  }

  function renderLinkHeader(cell, value) {
    // RFC 8288: <uri>; rel="next", <uri>; rel="last"
    var pattern = /<([^>]*)>\s*((?:;\s*[^;,]+)*)/g;
    var match;
    var first = true;
    while ((match = pattern.exec(value)) !== null) {
      if (!first) { cell.appendChild(text(",")); cell.appendChild(el("br")); }
      first = false;
      cell.appendChild(text("<"));
      cell.appendChild(isApiUri(match[1]) ? apiLink(match[1], match[1]) : text(match[1]));
      cell.appendChild(text(">" + match[2]));
    }
    if (first) { cell.textContent = value; }
  }

  function renderBody(result) {
    var pre = $("response-body");
    pre.textContent = "";
    pre.className = "body";
    pre.scrollTop = 0;
    if (result.blob) {
      var objectUrl = URL.createObjectURL(result.blob);
      var kind = result.type.indexOf("pdf") >= 0 ? "PDF document" : "File";
      pre.classList.add("body-file");
      pre.appendChild(text(kind + " · " + result.blob.size.toLocaleString() + " bytes  "));
      pre.appendChild(el("a", {
        href: objectUrl, target: "_blank", rel: "noopener", text: "Open in a new tab",
        className: "button button-ghost", id: "open-blob-link"
      }));
      return;
    }
    if (!result.text) {
      pre.appendChild(el("span", { className: "muted", text: "(empty body)" }));
      return;
    }
    if (result.json !== null && result.json !== undefined) {
      renderJson(pre, result.json, "", null);
      return;
    }
    if (result.type.indexOf("xml") >= 0 && renderXml(pre, result.text)) { return; }
    pre.textContent = result.text;
  }

  function span(className, value) { return el("span", { className: className, text: value }); }

  function renderJson(out, value, indent, key) {
    if (Array.isArray(value)) {
      if (!value.length) { out.appendChild(text("[]")); return; }
      out.appendChild(text("[\n"));
      value.forEach(function (item, index) {
        out.appendChild(text(indent + "  "));
        renderJson(out, item, indent + "  ", null);
        out.appendChild(text(index < value.length - 1 ? ",\n" : "\n"));
      });
      out.appendChild(text(indent + "]"));
    } else if (value !== null && typeof value === "object") {
      var keys = Object.keys(value);
      if (!keys.length) { out.appendChild(text("{}")); return; }
      out.appendChild(text("{\n"));
      keys.forEach(function (name, index) {
        out.appendChild(text(indent + "  "));
        out.appendChild(span("j-key", JSON.stringify(name)));
        out.appendChild(text(": "));
        renderJson(out, value[name], indent + "  ", name);
        out.appendChild(text(index < keys.length - 1 ? ",\n" : "\n"));
      });
      out.appendChild(text(indent + "}"));
    } else if (typeof value === "string") {
      if (isApiUri(value) && (key === "uri" || key === null || /uri|url/.test(key))) {
        out.appendChild(text("\""));
        out.appendChild(apiLink(value, value));
        out.appendChild(text("\""));
      } else {
        out.appendChild(span("j-str", JSON.stringify(value)));
      }
    } else if (typeof value === "number") {
      out.appendChild(span("j-num", String(value)));
    } else if (typeof value === "boolean") {
      out.appendChild(span("j-bool", String(value)));
    } else {
      out.appendChild(span("j-null", "null"));
    }
  }

  function renderXml(out, source) {
    var doc = new DOMParser().parseFromString(source, "application/xml");
    if (doc.getElementsByTagName("parsererror").length) { return false; }
    var declaration = /^\s*<\?xml[^>]*\?>/.exec(source);
    if (declaration) {
      out.appendChild(span("x-decl", declaration[0].trim()));
      out.appendChild(text("\n"));
    }
    renderXmlNode(out, doc.documentElement, "");
    return true;
  }

  function openTag(out, node, selfClosing) {
    out.appendChild(span("x-tag", "<" + node.nodeName));
    Array.prototype.forEach.call(node.attributes, function (attribute) {
      out.appendChild(text(" "));
      out.appendChild(span("x-attr", attribute.name));
      out.appendChild(text("="));
      out.appendChild(span("j-str", "\"" + attribute.value + "\""));
    });
    out.appendChild(span("x-tag", selfClosing ? "/>" : ">"));
  }

  function renderXmlNode(out, node, indent) {
    var elements = Array.prototype.filter.call(node.childNodes, function (child) {
      return child.nodeType === 1;
    });
    var content = node.textContent;
    out.appendChild(text(indent));
    if (!elements.length) {
      if (!content.length) { openTag(out, node, true); out.appendChild(text("\n")); return; }
      openTag(out, node, false);
      if (isApiUri(content.trim())) { out.appendChild(apiLink(content.trim(), content)); }
      else { out.appendChild(span("x-text", content)); }
      out.appendChild(span("x-tag", "</" + node.nodeName + ">"));
      out.appendChild(text("\n"));
      return;
    }
    openTag(out, node, false);
    out.appendChild(text("\n"));
    elements.forEach(function (child) { renderXmlNode(out, child, indent + "  "); });
    out.appendChild(text(indent));
    out.appendChild(span("x-tag", "</" + node.nodeName + ">"));
    out.appendChild(text("\n"));
  }

  // -- links: a click loads the resource into the form -----------------------------------

  function routeFor(pathname) {
    for (var i = 0; i < state.routes.length; i += 1) {
      var route = state.routes[i];
      var match = route.compiled && route.compiled.exec(pathname);
      if (match) { return { route: route, groups: match.groups || {} }; }
    }
    return null;
  }

  function loadUri(uri) {
    var url = new URL(uri, window.location.origin);
    var found = routeFor(url.pathname);
    if (!found) {
      showRequestMessage("No operation of this API matches " + url.pathname);
      return;
    }
    var route = found.route;
    var method = route.methods.indexOf("GET") >= 0 ? "GET" : route.methods[0];
    var ids = {};
    route.ids.forEach(function (name) {
      if (found.groups[name] !== undefined) { ids[name] = decodeURIComponent(found.groups[name]); }
    });
    var params = [];
    url.searchParams.forEach(function (value, name) {
      if (name !== "api_key") { params.push([name, value]); }
    });
    selectOperation(route.name + ":" + method, {
      ids: ids, params: params, format: found.groups.format || undefined
    });
    showRequestMessage("");
    flash($("path-group"));
    $("send-button").focus({ preventScroll: true });
  }

  function flash(node) {
    node.classList.remove("flash");
    void node.offsetWidth;  // restart the animation
    node.classList.add("flash");
    node.addEventListener("animationend", function () { node.classList.remove("flash"); },
      { once: true });
  }

  function linkClicked(event) {
    var link = event.target.closest && event.target.closest("a.api-link");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    event.preventDefault();
    var uri = link.getAttribute("data-uri");
    var url = new URL(uri, window.location.origin);
    if (/\.pdf$/.test(url.pathname)) { openPdf(url.pathname + url.search); }
    else { loadUri(uri); }
  }

  // -- wiring ------------------------------------------------------------------------------

  function init() {
    $("login-form").addEventListener("submit", login);
    $("logout-button").addEventListener("click", logout);
    $("request-form").addEventListener("submit", send);
    $("operation-select").addEventListener("change", function () {
      selectOperation($("operation-select").value);
    });
    $("method-select").addEventListener("change", methodChanged);
    $("format-select").addEventListener("change", updatePreview);
    $("body-mode-select").addEventListener("change", bodyModeChanged);
    $("raw-body").addEventListener("input", updatePreview);
    $("add-param").addEventListener("click", function () {
      addParamRow().querySelector(".param-key").focus();
    });
    $("response").addEventListener("click", linkClicked);
    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter") { send(event); }
    });
    state.session = loadSession();
    setParamRows([]);
    loadRoutes().then(function () {
      var first = state.operations.filter(function (op) {
        return op.route.name === "session" && op.method === "GET";
      })[0] || state.operations[0];
      if (first) { selectOperation(first.key); }
      renderSession();
      body.setAttribute("data-ready", "true");
    }).catch(function (error) {
      showRequestMessage("Could not load the route table: " + error.message);
    });
  }

  init();
}());
