'use strict';
/*
 * The provider dashboard (/dashboard): a provider's key, kept in this tab's sessionStorage and sent
 * only in the X-API-Key header, buys a ticket for the provider's WebSocket stream; every change on
 * it shows today's totals at once and asks for the realtime figures and top clients again.
 * Amounts are the server's decimal strings: displayed as they are (digits grouped), summed in whole
 * cents, and turned into numbers only to draw bars.
 */
(() => {
  const KEY_STORAGE = 'pulso.apiKey';
  const TOP_CLIENTS = 10;
  const FIRST_RETRY_MS = 1000;
  const MAX_RETRY_MS = 30000;
  // The server sends a heartbeat every 15 s: after two missed, the connection is taken for dead.
  const SILENCE_MS = 40000;

  const $ = (id) => document.getElementById(id);

  const state = {
    key: null,
    providerId: null,
    socket: null,
    lastMessageAt: 0,
    retryMs: FIRST_RETRY_MS,
    retryTimer: null,
    loading: false,
    loadAgain: false,
    // Change messages seen: a load that overlapped one does not show its (older) totals.
    changes: 0,
  };

  // ---- decimal strings, exactly ----

  /** "1234567.80" -> "1,234,567.80", without ever going through a float. */
  function grouped(decimal) {
    const negative = decimal.startsWith('-');
    const [whole, fraction] = (negative ? decimal.slice(1) : decimal).split('.');
    return (negative ? '-' : '') + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
      + (fraction === undefined ? '' : '.' + fraction);
  }

  function cents(amount) {
    const negative = amount.startsWith('-');
    const [whole, fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
    const value = BigInt(whole) * 100n + BigInt((fraction + '00').slice(0, 2));
    return negative ? -value : value;
  }

  function fromCents(value) {
    const magnitude = value < 0n ? -value : value;
    return (value < 0n ? '-' : '') + (magnitude / 100n) + '.' + String(magnitude % 100n).padStart(2, '0');
  }

  // ---- the API ----

  class ApiError extends Error {
    constructor(status, detail, retryAfterSeconds) {
      super(detail);
      this.status = status;
      this.retryAfterSeconds = retryAfterSeconds;
    }
  }

  async function api(method, path) {
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: {'X-API-Key': state.key, 'Accept': 'application/json'},
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (unreachable) {
      throw new ApiError(0, 'Pulso cannot be reached', 0);
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new ApiError(response.status, body.detail || response.statusText,
        Number(response.headers.get('Retry-After')) || 0);
    }
    return body;
  }

  /** The key itself is refused: asking again with it will not help. */
  const refusesKey = (error) => [400, 401, 403].includes(error.status);

  function explain(error) {
    switch (error.status) {
      case 401: return `This API key is not valid (${error.message}). Check it and enter it again.`;
      case 403: return `This API key may not open this dashboard: ${error.message}.`;
      case 400: return `This key cannot open a provider's dashboard: ${error.message}.`;
      case 429: return 'Too many requests with this key for now; trying again shortly.';
      case 0: return 'Pulso cannot be reached; trying again…';
      default: return `Pulso could not answer (${error.status}: ${error.message}); trying again…`;
    }
  }

  // ---- signing in and out ----

  async function open(key) {
    state.key = key;
    showError(null);
    setConnection('connecting', 'Connecting…');
    $('open').disabled = true;
    try {
      const ticket = await api('POST', '/v1/stream-tickets');
      state.providerId = ticket.providerId;
      sessionStorage.setItem(KEY_STORAGE, key);
      $('provider-id').textContent = ticket.providerId;
      $('key-form').hidden = true;
      $('sign-out').hidden = false;
      $('dashboard').hidden = false;
      openSocket(ticket.stream);
      refresh();
    } catch (error) {
      if (refusesKey(error)) {
        signOut(explain(error));
      } else {
        // Pulso is down or busy: the key may be fine, so it is kept for a reload, and the form stays.
        state.key = null;
        setConnection('signed-out', 'Not connected');
        showError(explain(error).replace('; trying again…', '. Try again in a moment.'));
      }
    } finally {
      $('open').disabled = false;
    }
  }

  function signOut(message) {
    dropSocket();
    clearTimeout(state.retryTimer);
    sessionStorage.removeItem(KEY_STORAGE);
    Object.assign(state, {key: null, providerId: null, retryMs: FIRST_RETRY_MS, retryTimer: null});
    $('dashboard').hidden = true;
    $('sign-out').hidden = true;
    $('key-form').hidden = false;
    setConnection('signed-out', 'Signed out');
    showError(message);
    $('api-key').focus();
  }

  // ---- the stream ----

  function openSocket(streamPath) {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(scheme + '//' + location.host + streamPath);
    state.socket = socket;
    state.lastMessageAt = Date.now();
    socket.onmessage = (event) => {
      if (socket === state.socket) {
        state.lastMessageAt = Date.now();
        onMessage(JSON.parse(event.data));
      }
    };
    socket.onclose = () => {
      if (socket === state.socket) {
        state.socket = null;
        reconnectLater();
      }
    };
  }

  function onMessage(message) {
    switch (message.type) {
      case 'hello':
        state.retryMs = FIRST_RETRY_MS;
        setConnection('live', 'Live');
        refresh(); // whatever changed while the socket was away
        break;
      case 'change':
        state.changes++;
        if (message.today) {
          showTotals(message.today);
        }
        refresh();
        break;
      default: // heartbeat: lastMessageAt is all it is for
    }
  }

  /** Forgets the socket without waiting for its close handshake (a dead connection may never finish one). */
  function dropSocket() {
    const socket = state.socket;
    state.socket = null;
    if (socket) {
      socket.close();
    }
  }

  /** A fresh ticket after a jittered, doubling delay: the old one was spent when the socket opened. */
  function reconnectLater(minimumMs = 0) {
    const delay = Math.max(minimumMs, state.retryMs / 2 + Math.random() * state.retryMs / 2);
    state.retryMs = Math.min(state.retryMs * 2, MAX_RETRY_MS);
    setConnection('reconnecting', `Reconnecting in ${Math.ceil(delay / 1000)} s…`);
    clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(async () => {
      state.retryTimer = null;
      const key = state.key;
      if (!key) {
        return;
      }
      setConnection('connecting', 'Connecting…');
      try {
        const ticket = await api('POST', '/v1/stream-tickets');
        if (state.key === key) { // not signed out meanwhile
          openSocket(ticket.stream);
        }
      } catch (error) {
        if (state.key !== key) {
          return;
        } else if (refusesKey(error)) {
          signOut(explain(error));
        } else {
          reconnectLater(error.retryAfterSeconds * 1000);
        }
      }
    }, delay);
  }

  setInterval(() => {
    if (state.socket && Date.now() - state.lastMessageAt > SILENCE_MS) {
      dropSocket();
      reconnectLater();
    }
  }, 5000);

  // ---- loading the figures: at most one load in flight, and at most one more asked for ----

  function refresh() {
    if (state.loading) {
      state.loadAgain = true;
      return;
    }
    state.loading = true;
    load()
      .catch((error) => {
        if (refusesKey(error)) {
          signOut(explain(error));
        } else {
          showError(explain(error));
          setTimeout(() => state.key && refresh(), Math.max(error.retryAfterSeconds || 5, 1) * 1000);
        }
      })
      .finally(() => {
        state.loading = false;
        if (state.loadAgain && state.key) {
          state.loadAgain = false;
          refresh();
        }
      });
  }

  async function load() {
    const provider = state.providerId;
    const changesBefore = state.changes;
    const realtime = await api('GET', `/v1/providers/${provider}/realtime`);
    const top = await api('GET',
      `/v1/providers/${provider}/top-clients?from=${realtime.date}&to=${realtime.date}&limit=${TOP_CLIENTS}`);
    if (provider !== state.providerId) {
      return; // signed out meanwhile
    }
    if (state.changes === changesBefore) {
      showTotals({date: realtime.date, ...realtime.today});
    }
    showProducts(realtime.products);
    showTopClients(top.clients);
    $('updated-at').textContent = new Date().toLocaleTimeString();
    showError(null);
  }

  // ---- what the page shows ----

  function showTotals(today) {
    $('today-date').textContent = today.date || '';
    $('today-transactions').textContent = grouped(String(today.transactions));
    $('today-amount').textContent = grouped(today.totalAmount);
  }

  function showProducts(products) {
    const list = $('products');
    list.replaceChildren();
    if (products.length === 0) {
      list.append(html('p', {class: 'muted'}, 'No products are mapped to this provider.'));
    }
    for (const product of products) {
      const minutes = product.minutes;
      const transactions = minutes.reduce((sum, point) => sum + point.transactions, 0);
      const amount = fromCents(minutes.reduce((sum, point) => sum + cents(point.totalAmount), 0n));
      list.append(html('figure', {class: 'product', 'data-product': product.productCode},
        html('figcaption', {},
          html('strong', {}, product.productCode), ' · last 60 minutes: ',
          html('span', {class: 'product-transactions'}, grouped(String(transactions))), ' transactions, ',
          html('span', {class: 'product-amount'}, grouped(amount))),
        html('div', {class: 'charts'},
          chart(product.productCode, 'Transactions per minute', minutes, (p) => p.transactions,
            (p) => grouped(String(p.transactions))),
          chart(product.productCode, 'Amount per minute', minutes, (p) => Number(p.totalAmount),
            (p) => grouped(p.totalAmount)))));
    }
  }

  const CHART = {width: 600, height: 130, top: 18, bottom: 18};

  /** A bar per minute; each bar's title tells its minute and value, the label the peak. */
  function chart(productCode, heading, minutes, value, label) {
    const values = minutes.map(value);
    const peak = values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
    const max = values[peak] > 0 ? values[peak] : 0;
    const plot = CHART.height - CHART.top - CHART.bottom;
    const step = CHART.width / Math.max(minutes.length, 1);
    const described = max > 0 ? `peak ${label(minutes[peak])} at ${clock(minutes[peak].minute)}` : 'no sales';
    const drawing = svg('svg', {viewBox: `0 0 ${CHART.width} ${CHART.height}`, role: 'img',
      'aria-label': `${productCode}: ${heading.toLowerCase()}, last 60 minutes, ${described}`, class: 'chart'});
    drawing.append(svg('line', {x1: 0, x2: CHART.width, y1: CHART.height - CHART.bottom,
      y2: CHART.height - CHART.bottom, class: 'axis'}));
    minutes.forEach((point, i) => {
      const height = max > 0 ? Math.max(values[i], 0) / max * plot : 0;
      drawing.append(svg('rect', {x: i * step + 1, y: CHART.height - CHART.bottom - height,
        width: Math.max(step - 2, 1), height, class: 'bar'},
        svg('title', {}, `${clock(point.minute)}: ${label(point)}`)));
    });
    drawing.append(svg('text', {x: 0, y: 12, class: 'label'}, max > 0 ? `peak ${label(minutes[peak])}` : 'no sales'));
    if (minutes.length > 0) {
      drawing.append(svg('text', {x: 0, y: CHART.height - 4, class: 'label'}, clock(minutes[0].minute)));
      drawing.append(svg('text', {x: CHART.width, y: CHART.height - 4, class: 'label end'},
        clock(minutes[minutes.length - 1].minute)));
    }
    return html('div', {class: 'chart-box'}, html('h3', {}, heading), drawing);
  }

  /** "2026-11-29T14:07" -> "14:07" (the business zone's wall clock, as the server wrote it). */
  const clock = (minute) => minute.slice(11, 16);

  function showTopClients(clients) {
    const rows = clients.map((client, i) => {
      const name = [client.firstName, client.lastName].filter(Boolean).join(' ') || `Client ${client.clientId}`;
      return html('tr', {'data-client-id': client.clientId},
        html('td', {}, String(i + 1)),
        html('td', {class: 'client'}, name, ' ', html('span', {class: 'muted'}, `#${client.clientId}`)),
        html('td', {class: 'num transactions'}, grouped(String(client.transactions))),
        html('td', {class: 'num amount'}, grouped(client.totalAmount)));
    });
    $('top-clients').tBodies[0].replaceChildren(...rows);
    $('no-clients').hidden = clients.length > 0;
  }

  function setConnection(name, text) {
    $('connection').dataset.state = name;
    $('connection').textContent = text;
  }

  function showError(message) {
    $('error').hidden = !message;
    $('error').textContent = message || '';
  }

  function html(tag, attributes, ...children) {
    return element(document.createElement(tag), attributes, children);
  }

  function svg(tag, attributes, ...children) {
    return element(document.createElementNS('http://www.w3.org/2000/svg', tag), attributes, children);
  }

  function element(node, attributes, children) {
    for (const [name, value] of Object.entries(attributes)) {
      node.setAttribute(name, value);
    }
    node.append(...children);
    return node;
  }

  // ---- start ----

  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('api-key').value.trim();
    $('api-key').value = '';
    if (key) {
      open(key);
    }
  });
  $('sign-out').addEventListener('click', () => signOut(null));

  const saved = sessionStorage.getItem(KEY_STORAGE);
  if (saved) {
    open(saved);
  }
})();
