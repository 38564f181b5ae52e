// Live views. The change stream (GET /api/v1/events) says what changed -
// an audit record's object ("incident:INC-2026-0001", "tenant:acme") or
// "alerts" - and never the change itself; a view that watches a kind of
// object reads it again through the API, with the viewer's own rights.
// Changes that arrive together are taken together (one refresh per view
// per 300 ms). The browser's EventSource reconnects by itself and resumes
// with Last-Event-ID; "reset" (too much was missed) refreshes everything.
// <html data-live> says "on", "reconnecting" or "off" (no EventSource).
"use strict";

const vigilLive = (() => {
  const watchers = [];
  const pending = new Set();
  let source = null;
  let timer = null;

  function state(s) { document.documentElement.dataset.live = s; }

  function start() {
    if (source) return;
    if (!window.EventSource) { state("off"); return; }
    source = new EventSource("/api/v1/events");
    source.addEventListener("open", () => state("on"));
    source.addEventListener("error", () => state("reconnecting"));
    source.addEventListener("change", ev => {
      try { queue(JSON.parse(ev.data).object || "*"); } catch (e) { queue("*"); }
    });
    source.addEventListener("alerts", () => queue("alerts"));
    source.addEventListener("reset", () => queue("*"));
  }

  function queue(object) {
    pending.add(object);
    if (!timer) timer = setTimeout(flush, 300);
  }

  function flush() {
    timer = null;
    const objects = [...pending];
    pending.clear();
    for (const w of watchers) {
      if (!objects.some(o => o === "*" || w.match(o))) continue;
      Promise.resolve().then(w.refresh).catch(e => { if (w.onError) w.onError(e); });
    }
  }

  // watch(match, refresh, onError): match is a prefix of the object
  // ("incident:", "alerts", "incident:INC-2026-0001") or a function of it.
  function watch(match, refresh, onError) {
    const fn = typeof match === "function" ? match
      : Array.isArray(match) ? o => match.some(m => o.startsWith(m)) : o => o.startsWith(match);
    watchers.push({ match: fn, refresh, onError });
    start();
  }

  return { watch };
})();
