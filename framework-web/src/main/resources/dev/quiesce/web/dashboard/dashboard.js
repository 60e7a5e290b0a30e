// The Quiesce dashboard: reads GET /lifecycle/status and follows GET /lifecycle/events (the
// lifecycle events as server-sent events, the stop report last). The management token typed into
// the page is kept in the input field only: never stored, sent only with a command.
'use strict';
(() => {
  const OK_OUTCOMES = new Set(['done', 'notified', 'unregistered']);
  const STATUS_POLL_MS = 2000;
  const MAX_EVENTS = 200;
  const $ = id => document.getElementById(id);

  const view = {
    status: null,   // the last answer of /lifecycle/status (or the stream's first event)
    live: null,     // the stop in progress: {start, phases: [{phase, budgetMs, startedAt, durationMs?, ...}]}
    report: null,   // the last stop report
    streaming: false,
    reachable: true,
    last: {},       // the last reload and upgrade events: {reload: {...}, upgrade: {...}}
  };
  let source = null;

  // ------------------------------------------------------------------ helpers

  /** An element with attributes and children (strings become text nodes: nothing is parsed as HTML). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'style') Object.assign(node.style, value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function ms(value) {
    if (value === null || value === undefined) return '–';
    if (value < 1000) return Math.round(value) + ' ms';
    if (value < 60000) return (value / 1000).toFixed(value < 10000 ? 2 : 1) + ' s';
    return (value / 60000).toFixed(1) + ' min';
  }

  function exitText(exit) {
    if (!exit) return 'no exit seen';
    if (exit.code !== undefined) return 'exit ' + exit.code;
    if (exit.signal !== undefined) return 'killed (' + exit.signal + ')';
    if (exit.mainPid !== undefined) return 'main pid ' + exit.mainPid + ' ended';
    return JSON.stringify(exit);
  }

  function pct(value, scale) {
    return Math.max(0, Math.min(100, (value / scale) * 100)).toFixed(3) + '%';
  }

  // ------------------------------------------------------------------ status

  function renderStatus() {
    const known = view.status || {};
    // once the process is gone, what it said last about a phase, its deadline or an error is stale
    const s = view.reachable ? known : Object.assign({}, known, { phase: null, timeLeftMs: null, waitingFor: null,
      error: null, http: null, inFlightRequests: null, ready: undefined });
    const state = view.reachable ? (s.state || '…') : 'ENDED';
    const badge = $('state');
    badge.textContent = state;
    badge.className = 'badge ' + state;
    const rows = [
      ['state', state],
      ['phase', s.phase || '–'],
      ['time left', s.timeLeftMs === null || s.timeLeftMs === undefined ? '–' : ms(s.timeLeftMs)],
      ['waiting for', Array.isArray(s.waitingFor) && s.waitingFor.length ? s.waitingFor.join(', ') : '–'],
      ['in-flight requests', s.inFlightRequests ?? '–'],
      ['ready', s.ready === undefined ? '–' : String(s.ready)],
      ['reloading', s.reloading ? 'yes' : 'no'],
      ['participants', Array.isArray(s.participants) ? s.participants.join(', ') : '–'],
    ];
    if (s.upgrading) rows.push(['upgrading', 'yes']);
    if (s.http) rows.push(['http', (s.http.host || '') + ':' + (s.http.port ?? '') + ' (' + (s.http.instances ?? '?') + ' instances)']);
    for (const [type, e] of Object.entries(view.last)) {
      rows.push(['last ' + type, e.outcome + (e.durationMs !== undefined ? ' in ' + ms(e.durationMs) : '')
        + (e.error ? ': ' + e.error : '')]);
    }
    if (s.error) rows.push(['error', s.error]);
    const control = s.management && s.management.controlEnabled === false
      ? 'neither management.token nor management.tokenFile is configured: the control endpoints answer 403' : '';
    if ($('command-result').textContent === '' || $('command-result').dataset.hint) {
      $('command-result').textContent = control;
      $('command-result').dataset.hint = 'true';
    }
    $('now').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-key': k }, String(v))]));
    renderPlan();
    renderProcesses();
  }

  function renderPlan() {
    const s = view.status || {};
    const phases = Array.isArray(s.phases) ? s.phases : [];
    if (!phases.length) {
      $('plan').replaceChildren(el('li', { class: 'muted' }, 'not known yet'));
      return;
    }
    const total = phases.reduce((sum, p) => sum + (p.budgetMs || 0), 0);
    const current = view.reachable ? s.phase : null;
    const items = phases.map(p => el('li', { class: p.name === current ? 'current' : null, 'data-phase': p.name },
      p.name + ' ', el('span', { class: 'muted' }, ms(p.budgetMs))));
    items.push(el('li', { class: 'muted', style: { listStyle: 'none' } },
      'worst case ' + ms(total) + ', deadline ' + ms(s.shutdownTimeoutMs)));
    $('plan').replaceChildren(...items);
  }

  function renderProcesses() {
    const p = (view.status || {}).processes;
    const groups = p && Array.isArray(p.groups) ? p.groups : null;
    if (!groups) {
      $('processes').replaceChildren(el('p', { class: 'muted' }, 'no process manager answered'));
      return;
    }
    const head = el('tr', {}, ['group / instance', 'state', 'pid', 'ready', 'restarts', 'last exit'].map(h => el('th', {}, h)));
    const rows = [];
    for (const g of groups) {
      const groupBad = g.state === 'crash-loop'; // stopped is what a stop leaves: not an error
      rows.push(el('tr', { class: 'group', 'data-group': g.group },
        el('td', {}, el('strong', {}, g.group)),
        el('td', { class: groupBad ? 'bad' : null }, g.state + (g.waitingFor ? ' for ' + g.waitingFor.join(', ') : '')),
        el('td', {}, ''),
        el('td', {}, (g.ready ?? '?') + ' / ' + (g.desired ?? '?')),
        el('td', {}, ''),
        el('td', {}, g.unhealthy ? g.unhealthy + ' unhealthy' : '')));
      for (const i of g.instances || []) {
        const restarts = i.restarts || 0;
        const failed = i.state === 'failed' || i.state === 'backoff';
        rows.push(el('tr', { class: 'instance', 'data-group': g.group, 'data-instance': i.instance },
          el('td', {}, '  #' + i.instance),
          el('td', { class: failed ? 'bad' : null }, i.state + (i.notify && i.notify.status ? ' – ' + i.notify.status : '')),
          el('td', {}, i.pid ?? ''),
          el('td', {}, i.state === 'ready' ? 'yes' : 'no'),
          el('td', { class: restarts ? 'bad' : null }, restarts),
          el('td', {}, i.lastExit ? exitText(i.lastExit) : (i.error || ''))));
      }
    }
    $('processes').replaceChildren(el('table', {}, el('thead', {}, head), el('tbody', {}, rows)),
      view.reachable && !p.lastSeen ? null : el('p', { class: 'muted' }, 'as last seen: the process manager has stopped'));
  }

  async function refreshStatus() {
    try {
      const response = await fetch('lifecycle/status', { cache: 'no-store' });
      const body = await response.json();
      const before = view.status || {};
      if (!body.processes && before.processes) {
        // the process manager has stopped answering (it is gone at the end of a stop): show it as last seen
        body.processes = Object.assign({}, before.processes, { lastSeen: true });
      }
      // a coordinator that does not answer (503, e.g. in the last moment of a stop): keep what was known
      view.status = response.ok ? body : Object.assign({}, view.status, { state: body.state, error: body.error });
      view.reachable = true;
      if (!view.streaming && view.status.state !== 'STOPPING' && view.status.state !== 'STOPPED') {
        openStream(); // a new process answers (restarted by its supervisor): follow it
      }
    } catch (e) {
      view.reachable = false;
      setConnection(view.report ? 'the process has ended (its stop report is below)' : 'not reachable');
    }
    renderStatus();
  }

  function setConnection(text) {
    $('connection').textContent = text;
  }

  // ------------------------------------------------------------------ events

  function openStream() {
    if (source) source.close();
    source = new EventSource('lifecycle/events');
    view.streaming = true;
    setConnection('connecting');
    source.onopen = () => setConnection('live');
    const on = (type, handler) => source.addEventListener(type, message => {
      let data;
      try {
        data = JSON.parse(message.data);
      } catch (e) {
        return;
      }
      logEvent(type, data);
      handler(data);
    });
    on('status', data => {
      view.status = Object.assign({}, view.status, data);
      renderStatus();
    });
    on('state', data => {
      if (data.to === 'STOPPING' && (!view.live || view.live.done)) {
        view.live = { start: data.at || Date.now(), phases: [], done: false, reason: data.reason };
        renderTimeline();
      }
      refreshStatus();
    });
    on('phase-start', data => {
      if (!view.live || view.live.done) view.live = { start: Date.now(), phases: [], done: false };
      view.live.phases.push({ phase: data.phase, seq: data.seq, budgetMs: data.budgetMs, forced: data.forced,
        startedAt: Date.now(), durationMs: null, participants: [] });
      renderTimeline();
      refreshStatus();
    });
    on('phase-end', data => {
      const phase = view.live && view.live.phases.find(p => p.seq === data.seq && p.phase === data.phase);
      if (phase) Object.assign(phase, data);
      renderTimeline();
      refreshStatus();
    });
    on('step', () => refreshStatus());
    for (const type of ['reload', 'upgrade']) {
      on(type, data => {
        view.last[type] = data;
        refreshStatus();
      });
    }
    on('closing', () => setConnection('the management listener is closing'));
    on('report', data => {
      view.report = data.report || {};
      if (view.live) view.live.done = true;
      renderTimeline();
      // the stream ends after the report; do not let EventSource reconnect to a process that is ending
      source.close();
      view.streaming = false;
      setConnection('stop report received');
      refreshStatus();
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) view.streaming = false;
      setConnection(view.report ? 'stream ended' : 'reconnecting…');
    };
  }

  function logEvent(type, data) {
    const summary = { ...data };
    delete summary.type;
    if (type === 'report') summary.report = '(the stop report: see the timeline)';
    if (type === 'status') delete summary.phases;
    if (type === 'phase-end' && Array.isArray(summary.participants)) {
      summary.participants = summary.participants.map(p => p.participant + ':' + p.outcome).join(' ');
    }
    const text = JSON.stringify(summary);
    const item = el('li', { 'data-type': type }, el('span', { class: 'type' }, type), ' ',
      text.length > 300 ? text.slice(0, 300) + '…' : text);
    const list = $('events');
    list.prepend(item);
    while (list.children.length > MAX_EVENTS) list.lastChild.remove();
  }

  // ------------------------------------------------------------------ the timeline

  function bad(thing) {
    return Boolean(thing && (thing.forced || thing.lost || (thing.outcome && !OK_OUTCOMES.has(thing.outcome))
      || (thing.detail && thing.detail.forced)));
  }

  /** One row: a label and a track on which bars sit; {@code scale} is the track's length in ms. */
  function row(kind, label, title, bars, scale, budgetMs) {
    const track = el('div', { class: 'tl-track' + (kind === 'phase' ? '' : ' small') });
    if (budgetMs !== undefined && budgetMs !== null && budgetMs > 0) {
      track.append(el('div', { class: 'tl-budget', title: 'budget ' + ms(budgetMs), style: { width: pct(budgetMs, scale) } }));
    }
    for (const b of bars) {
      track.append(el('div', {
        class: 'tl-bar ' + kind + '-bar' + (b.bad ? ' bad' : '') + (b.running ? ' running' : ''),
        title: b.title, 'data-name': b.name,
        style: { left: pct(b.from, scale), width: pct(Math.max(0, b.to - b.from), scale) },
      }));
    }
    if (kind === 'phase') track.append(el('span', { class: 'tl-text' }, title));
    return el('div', { class: 'tl-row' }, el('div', { class: 'tl-label ' + kind, title: title }, label), track);
  }

  /** The data to draw: the last report, or the stop in progress. */
  function timelineData() {
    if (view.report && (!view.live || view.live.done)) {
      const r = view.report;
      return { finished: true, start: r.start, phases: r.phases || [], children: r.children || [], report: r };
    }
    if (view.live) {
      const now = Date.now();
      return {
        finished: false, start: view.live.start, children: [],
        phases: view.live.phases.map(p => p.durationMs === null
          ? Object.assign({}, p, { durationMs: now - p.startedAt, running: true }) : p),
      };
    }
    return null;
  }

  function renderTimeline() {
    const data = timelineData();
    const box = $('timeline');
    if (!data) return;
    const out = [];
    const r = data.report;
    if (r) {
      const graceful = r.outcome === 'graceful';
      $('timeline-title').textContent = 'Last stop';
      out.push(el('p', { class: 'summary' + (graceful ? '' : ' bad'), id: 'report-summary' },
        r.outcome + ' stop, exit code ' + r.exitCode + ', ' + ms(r.durationMs) + ' of the ' + ms(r.deadlineMs)
        + ' deadline; trigger ' + r.trigger + (r.reason ? ' (' + r.reason + ')' : '')
        + (r.forcedBy ? '; forced by ' + r.forcedBy.trigger + ' (' + r.forcedBy.reason + ')' : '')));
      out.push(el('p', { class: 'muted legend' }, 'Each track is its phase\'s budget (the dashed line); a bar is'
        + ' the time taken, a child\'s from its first stop signal to its exit; red: forced, failed, timed out or killed.'));
      if (Array.isArray(r.problems) && r.problems.length) {
        out.push(el('ul', { class: 'problems' }, r.problems.map(p => el('li', {}, p))));
      }
    } else {
      $('timeline-title').textContent = 'Stop in progress';
      out.push(el('p', { class: 'summary' }, 'stopping' + (view.live.reason ? ' (' + view.live.reason + ')' : '')
        + '; the report follows when the stop ends'));
    }
    const shownChildren = new Set();
    let offset = 0;
    for (const p of data.phases) {
      const duration = p.durationMs || 0;
      const participants = Array.isArray(p.participants) ? p.participants : [];
      const phaseStart = data.start !== undefined ? data.start + offset : undefined;
      const childRows = [];
      let scale = Math.max(p.budgetMs || 0, duration, 1);
      for (const q of participants) {
        scale = Math.max(scale, q.durationMs || 0);
        const children = q.detail && Array.isArray(q.detail.children) ? q.detail.children : [];
        for (const c of children) {
          const from = c.stopStartedAt && phaseStart !== undefined ? Math.max(0, c.stopStartedAt - phaseStart) : 0;
          scale = Math.max(scale, from + (c.durationMs || 0));
          childRows.push({ participant: q.participant, child: c, from });
          shownChildren.add(c);
        }
      }
      const phaseTitle = p.phase + ': ' + ms(duration) + (p.running ? ' so far' : '')
        + (p.budgetMs === 0 ? ' (budget 0: announced, not awaited)' : ' of ' + ms(p.budgetMs))
        + (p.forced ? ', forced' : '');
      const block = el('div', { class: 'tl-phase', 'data-phase': p.phase });
      block.append(row('phase', p.phase, phaseTitle, [{ from: 0, to: duration, bad: bad(p), running: p.running,
        title: phaseTitle, name: p.phase }], scale, p.budgetMs));
      for (const q of participants) {
        const text = q.participant + ' ' + q.outcome + ' in ' + ms(q.durationMs) + (q.reason ? ': ' + q.reason : '')
          + (q.detail && q.detail.forcedReason ? ': ' + q.detail.forcedReason : '');
        block.append(row('participant', q.participant + ' – ' + q.outcome, text,
          [{ from: 0, to: q.durationMs || 0, bad: bad(q), title: text, name: q.participant }], scale));
        for (const { child: c, from } of childRows.filter(x => x.participant === q.participant)) {
          block.append(childRow(c, from, scale));
        }
      }
      out.push(block);
      offset += duration;
    }
    const orphans = data.children.filter(c => !shownChildren.has(c) && ![...shownChildren].some(s => sameChild(s, c)));
    if (orphans.length) {
      const scale = Math.max(1, ...orphans.map(c => c.durationMs || 0));
      out.push(el('div', { class: 'tl-phase', 'data-phase': 'children' },
        el('div', { class: 'tl-label phase' }, 'children'), orphans.map(c => childRow(c, 0, scale))));
    }
    box.replaceChildren(...out);
    box.setAttribute('data-finished', String(data.finished));
  }

  function sameChild(a, b) {
    return a.group === b.group && a.instance === b.instance && a.pid === b.pid;
  }

  function childRow(c, from, scale) {
    const text = c.group + '#' + c.instance + ' pid ' + c.pid + ': ' + (c.step || '?') + ' sent, '
      + exitText(c.exit) + ' after ' + ms(c.durationMs) + (c.lost ? ' (lost)' : '')
      + (c.stragglersKilled ? ', ' + c.stragglersKilled + ' stragglers killed' : '');
    return row('child', c.group + '#' + c.instance + ' ' + (c.step || '') + ' → ' + exitText(c.exit), text,
      [{ from, to: from + (c.durationMs || 0), bad: bad(c) || c.step === 'KILL', title: text, name: c.group + '#' + c.instance }],
      scale);
  }

  // ------------------------------------------------------------------ control

  function setUpControls() {
    const token = $('token');
    const controls = $('controls');
    const show = () => { controls.hidden = token.value.trim() === ''; };
    token.addEventListener('input', show);
    show();
    for (const button of controls.querySelectorAll('button[data-command]')) {
      button.addEventListener('click', async () => {
        const command = button.getAttribute('data-command');
        const result = $('command-result');
        delete result.dataset.hint;
        result.textContent = command + '…';
        try {
          const response = await fetch('lifecycle/' + command, {
            method: 'POST', cache: 'no-store', credentials: 'omit',
            headers: { 'Authorization': 'Bearer ' + token.value.trim(), 'Content-Type': 'application/json' },
            body: JSON.stringify({ reason: 'dashboard' }),
          });
          const body = await response.text();
          result.textContent = command + ': ' + response.status + ' ' + body;
        } catch (e) {
          result.textContent = command + ': no answer (' + e.message + ')';
        }
        refreshStatus();
      });
    }
  }

  // ------------------------------------------------------------------ start

  setUpControls();
  openStream();
  refreshStatus();
  setInterval(refreshStatus, STATUS_POLL_MS);
  setInterval(() => { if (view.live && !view.live.done) renderTimeline(); }, 250);
})();
