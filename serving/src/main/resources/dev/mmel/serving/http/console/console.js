'use strict';
// The mmel web console: links a mention through POST /v1/link (JSON, or multipart with a
// photo) and shows the server's /v1/info and /metrics. Everything comes from this server.

const $ = (id) => document.getElementById(id);
const SOURCES = {
  DESCRIPTION_SOURCE_CALLER: 'given by the caller',
  DESCRIPTION_SOURCE_SIMILARITY: 'DME: the KB candidate most similar to the sentence',
  DESCRIPTION_SOURCE_LLM: 'DME: chosen by an LLM among the KB candidates',
  DESCRIPTION_SOURCE_NONE: 'none: no KB entity matched the surface, or the selector abstained',
  DESCRIPTION_SOURCE_UNSPECIFIED: 'unspecified',
};
const STAGES = [['validateMs', 'validate'], ['dmeMs', 'DME'], ['encodeMs', 'encode'],
  ['retrieveMs', 'retrieve (ANN)'], ['rerankMs', 'rerank'], ['totalMs', 'total']];
const METRICS_EVERY_MS = 5000;

let image = null;
let metricsTimer = null;
let previousScrape = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === 'class') node.className = value;
    else if (key === 'style') node.style.cssText = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function headers(extra) {
  const all = Object.assign({}, extra);
  const token = $('token').value.trim();
  if (token) all.Authorization = 'Bearer ' + token;
  return all;
}

function fmt(x, digits) {
  return typeof x === 'number' ? x.toFixed(digits === undefined ? 3 : digits) : String(x);
}

// ---- Link view ----

function setImage(file) {
  if (file && !/^image\/(jpeg|png)$/.test(file.type)) {
    showError({ message: 'The photo must be a JPEG or PNG, got ' + (file.type || 'an unknown type') });
    return;
  }
  image = file || null;
  $('preview').hidden = !image;
  $('clear-image').hidden = !image;
  $('drop-hint').textContent = image ? image.name + ' (' + Math.round(image.size / 1024) + ' KiB)'
    : 'Drop a JPEG or PNG photo here, or pick one';
  if (image) $('preview').src = URL.createObjectURL(image);
  else $('image').value = '';
}

function mention() {
  const m = {
    surface: $('surface').value,
    sentence: $('sentence').value,
    options: {
      topK: Number($('top-k').value) || 0,
      candidatesK: Number($('candidates-k').value) || 0,
      debug: true,
    },
  };
  if ($('description').value.trim()) m.description = $('description').value;
  return m;
}

async function link(event) {
  event.preventDefault();
  $('link-button').disabled = true;
  $('error').hidden = true;
  try {
    let response;
    if (image) {
      const form = new FormData();
      form.append('mention', new Blob([JSON.stringify(mention())], { type: 'application/json' }));
      form.append('image', image, image.name);
      response = await fetch('/v1/link', { method: 'POST', headers: headers(), body: form });
    } else {
      response = await fetch('/v1/link', {
        method: 'POST',
        headers: headers({ 'Content-Type': 'application/json' }),
        body: JSON.stringify({ mention: mention() }),
      });
    }
    const body = await response.json();
    if (!response.ok) {
      showError(body);
      return;
    }
    showResult(body.result);
  } catch (e) {
    showError({ message: 'The request failed: ' + e });
  } finally {
    $('link-button').disabled = false;
  }
}

function showError(error) {
  $('result').hidden = true;
  const box = $('error');
  box.replaceChildren(el('strong', {}, (error.code || 'ERROR') + (error.httpStatus ? ' (' + error.httpStatus + ')' : '')),
    el('div', {}, error.message || ''));
  const violations = error.fieldViolations || [];
  if (violations.length) {
    box.append(el('ul', {}, ...violations.map((v) => el('li', {}, el('code', {}, v.field), ' ', v.description))));
  }
  box.hidden = false;
}

function showResult(result) {
  const entities = result.entities || [];
  const nil = $('nil-decision');
  nil.textContent = result.nil ? 'NIL: likely no entity of the knowledge base' : 'Linked';
  nil.className = 'badge' + (result.nil ? ' nil' : '');
  $('nil-threshold').textContent = 'best S ' + (entities.length ? fmt(entities[0].score) : 'none')
    + ' against the NIL threshold ' + (result.nilThreshold <= -1e38 ? 'none (never NIL)' : fmt(result.nilThreshold));
  $('dme-used').textContent = result.descriptionUsed ? '“' + result.descriptionUsed + '”' : '(nothing appended)';
  $('dme-source').textContent = SOURCES[result.descriptionSource] || result.descriptionSource;
  $('entities').replaceChildren(...entities.map(entityItem));
  const rows = STAGES.map(([key, name]) => el('tr', {}, el('th', {}, name),
    el('td', {}, result.timings ? fmt(result.timings[key], 2) + ' ms' : '–')));
  if (result.timings) {
    rows.push(el('tr', {}, el('th', {}, 'mentions in the model call'), el('td', {}, result.timings.batchSize)));
  }
  $('timings').tBodies[0].replaceChildren(...rows);
  $('result').hidden = false;
}

function entityItem(entity) {
  const parts = entity.parts || {};
  const size = Math.abs(parts.text || 0) + Math.abs(parts.image || 0) + Math.abs(parts.cross || 0) || 1;
  const bar = el('div', { class: 'bar', title: 'text / image / cross' },
    ...['text', 'image', 'cross'].map((p) => el('div', {
      class: 'seg ' + p,
      style: 'width:' + (100 * Math.abs(parts[p] || 0) / size).toFixed(2) + '%',
      title: p + ' ' + fmt(parts[p] || 0),
    })));
  return el('li', { class: 'entity', 'data-qid': entity.qid },
    el('div', { class: 'head' }, el('span', { class: 'name' }, entity.name || entity.qid),
      el('span', { class: 'muted' }, entity.qid), el('span', { class: 'score' }, 'S ' + fmt(entity.score))),
    el('div', { class: 'desc' }, entity.description || ''),
    bar,
    el('div', { class: 'parts' },
      el('span', {}, 'text ' + fmt(parts.text || 0)), el('span', {}, 'image ' + fmt(parts.image || 0)),
      el('span', {}, 'cross ' + fmt(parts.cross || 0)),
      el('span', {}, 'F (retrieval) ' + fmt(parts.retrieval || 0)),
      el('span', {}, 'I (interaction) ' + fmt(parts.interaction || 0))));
}

// ---- Server view ----

async function refreshServer() {
  try {
    const response = await fetch('/v1/info', { headers: headers() });
    const info = await response.json();
    if (!response.ok) {
      $('info').tBodies[0].replaceChildren(el('tr', {}, el('td', {}, info.code + ': ' + info.message)));
    } else {
      showInfo(info);
    }
  } catch (e) {
    $('info').tBodies[0].replaceChildren(el('tr', {}, el('td', {}, 'unreachable: ' + e)));
  }
  try {
    const text = await (await fetch('/metrics')).text();
    showMetrics(parsePrometheus(text));
  } catch (e) {
    $('metrics-window').textContent = '(metrics unreachable: ' + e + ')';
  }
}

function showInfo(info) {
  const rows = [['model version', info.modelVersion], ['index build', info.indexBuildId],
    ['index size', Number(info.indexSize).toLocaleString('en') + ' entities'], ['store', info.store],
    ['NIL threshold', fmt(info.nilThreshold) + ' (' + info.nilThresholdSource + ')'],
    ['DME selector', info.descriptionSelector], ['gate mode', info.gateMode]];
  $('info').tBodies[0].replaceChildren(...rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v))));
  const limits = Object.entries(info.limits || {});
  $('limits').tBodies[0].replaceChildren(...limits.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v))));
  $('top-k').placeholder = info.limits ? info.limits.defaultTopK : '';
}

// The Prometheus text format: "name{label="value",...} number" lines; # lines are comments.
function parsePrometheus(text) {
  const samples = [];
  const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const row of text.split('\n')) {
    if (!row || row.startsWith('#')) continue;
    const m = line.exec(row);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] || '').matchAll(label)) {
      labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

// Cumulative bucket counts of histogram `name`, summed by the label `by` (or all together).
function buckets(samples, name, by) {
  const groups = {};
  for (const s of samples) {
    if (s.name !== name + '_bucket') continue;
    const key = by ? s.labels[by] : 'all';
    const group = groups[key] || (groups[key] = {});
    group[s.labels.le] = (group[s.labels.le] || 0) + s.value;
  }
  return groups;
}

function minus(now, before) {
  const out = {};
  for (const [key, group] of Object.entries(now)) {
    out[key] = {};
    for (const [le, count] of Object.entries(group)) {
      out[key][le] = count - ((before && before[key] && before[key][le]) || 0);
    }
  }
  return out;
}

function total(group) {
  return group['+Inf'] || 0;
}

// As Prometheus' histogram_quantile: linear within the bucket the rank falls in.
function quantile(q, group) {
  const bounds = Object.entries(group).filter(([le]) => le !== '+Inf')
    .map(([le, count]) => [Number(le), count]).sort((a, b) => a[0] - b[0]);
  const n = total(group);
  if (!n) return NaN;
  let lower = 0;
  let below = 0;
  for (const [bound, count] of bounds) {
    if (count >= q * n) {
      return lower + (bound - lower) * ((q * n - below) / Math.max(count - below, 1));
    }
    lower = bound;
    below = count;
  }
  return lower;
}

function histogram(group, unit) {
  const les = Object.keys(group).sort((a, b) => (a === '+Inf') - (b === '+Inf') || Number(a) - Number(b));
  let previous = 0;
  const counts = les.map((le) => {
    const c = group[le] - previous;
    previous = group[le];
    return [le, c];
  });
  const max = Math.max(1, ...counts.map(([, c]) => c));
  const label = (le) => le === '+Inf' ? '> last' : '≤ ' + (unit === 's' ? fmtSeconds(Number(le)) : le);
  return el('div', { class: 'hist' }, ...counts.flatMap(([le, c]) => [
    el('span', {}, label(le)),
    el('div', {}, el('div', { class: 'fill', style: 'width:' + (100 * c / max).toFixed(1) + '%' })),
    el('span', {}, c)]));
}

function fmtSeconds(s) {
  return s < 1 ? +(s * 1000).toFixed(2) + ' ms' : s + ' s';
}

function latencyBlock(groups, unit) {
  const keys = Object.keys(groups).filter((k) => total(groups[k]) > 0);
  if (!keys.length) return [el('div', { class: 'muted' }, 'no observations yet')];
  return keys.flatMap((key) => [
    el('div', {}, el('strong', {}, key.replace(/^mmel\.v1\.EntityLinker\//, '')), ' ',
      el('span', { class: 'muted' }, total(groups[key]) + ' observed'
        + (unit === 's' ? ', p50 ' + fmtSeconds(quantile(0.5, groups[key]))
          + ', p99 ' + fmtSeconds(quantile(0.99, groups[key])) : ''))),
    histogram(groups[key], unit)]);
}

function showMetrics(samples) {
  const now = {
    calls: buckets(samples, 'mmel_rpc_seconds', 'method'),
    stages: buckets(samples, 'mmel_link_stage_seconds', 'stage'),
    batches: buckets(samples, 'mmel_encode_batch_size', null),
  };
  let shown = now;
  let window = 'since the server started';
  if (previousScrape) {
    const delta = {
      calls: minus(now.calls, previousScrape.calls),
      stages: minus(now.stages, previousScrape.stages),
      batches: minus(now.batches, previousScrape.batches),
    };
    if (Object.values(delta.calls).some((g) => total(g) > 0)) {
      shown = delta;
      window = 'in the last ' + METRICS_EVERY_MS / 1000 + ' s';
    }
  }
  previousScrape = now;
  $('metrics-window').textContent = '(' + window + ')';
  $('call-latency').replaceChildren(...latencyBlock(shown.calls, 's'));
  $('stage-latency').replaceChildren(...latencyBlock(shown.stages, 's'));
  $('batch-sizes').replaceChildren(...latencyBlock(shown.batches, ''));
  const answers = samples.filter((s) => s.name === 'mmel_mention_answers_total');
  $('answers').replaceChildren(...(answers.length ? answers.map((s) => el('div', {}, s.labels.code + ': ' + s.value))
    : [el('div', { class: 'muted' }, 'none yet')]));
}

// ---- Wiring ----

function show(view) {
  for (const tab of document.querySelectorAll('.tab')) {
    tab.classList.toggle('active', tab.dataset.view === view);
  }
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== view;
  clearInterval(metricsTimer);
  if (view === 'server-view') {
    refreshServer();
    metricsTimer = setInterval(refreshServer, METRICS_EVERY_MS);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('token').value = sessionStorage.getItem('mmel-token') || '';
  $('token').addEventListener('change', () => sessionStorage.setItem('mmel-token', $('token').value));
  for (const tab of document.querySelectorAll('.tab')) {
    tab.addEventListener('click', () => show(tab.dataset.view));
  }
  $('link-form').addEventListener('submit', link);
  $('image').addEventListener('change', () => setImage($('image').files[0]));
  $('clear-image').addEventListener('click', () => setImage(null));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files.length) setImage(e.dataTransfer.files[0]);
  });
});
