// The developer portal: plain DOM, no framework. Every state-changing call sends the
// session's CSRF token; the session cookie itself is httpOnly and never visible here.
'use strict';

const state = { csrfToken: null };
const $ = (selector) => document.querySelector(selector);

function setStatus(text) {
  $('#status').textContent = text;
}

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text;
  row.appendChild(td);
  return td;
}

function formatTime(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

async function api(path, options = {}) {
  const headers = { Accept: 'application/json', ...(options.headers || {}) };
  if (options.method && options.method !== 'GET') headers['X-CSRF-Token'] = state.csrfToken;
  const response = await fetch(path, { credentials: 'same-origin', ...options, headers });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (await response.json()).message || message;
    } catch (_) {
      // not JSON: keep the status line
    }
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return response;
}

/** A cluster's mode, and for agent mode whether its agent is connected (requests wait with 503 while it is not). */
function connectionText(status) {
  if (!status) return '';
  if (status.mode === 'direct') return 'direct';
  return status.agentConnected ? 'agent · connected' : 'agent · disconnected';
}

/** One of the person's grants, to make the hint after a download a command that works for them. */
let firstAccess;

function usageHint() {
  const context = firstAccess ? ` --context ${firstAccess.cluster.name}` : '';
  const namespace = firstAccess?.namespaces.length ? ` -n ${firstAccess.namespaces[0]}` : '';
  return `kubectl --kubeconfig portcullis-kubeconfig.yaml${context}${namespace} get pods`;
}

function renderClusters(me) {
  const body = $('#clusters tbody');
  body.replaceChildren();
  if (me.accessError) {
    $('#access-error').textContent = me.accessError;
    $('#access-error').hidden = false;
    return;
  }
  const entries = me.access || [];
  firstAccess = entries[0];
  $('#no-clusters').hidden = entries.length > 0;
  $('#clusters').hidden = entries.length === 0;
  const status = new Map((me.clusterStatus || []).map((cluster) => [cluster.name, cluster]));
  for (const entry of entries) {
    const row = document.createElement('tr');
    // The kubeconfig's contexts are named after the cluster, not its display name.
    const { name, displayName } = entry.cluster;
    cell(row, displayName && displayName !== name ? `${displayName} (context ${name})` : name);
    cell(row, entry.role.name);
    cell(row, entry.namespaces.length ? entry.namespaces.join(', ') : 'all');
    cell(row, connectionText(status.get(entry.cluster.name)));
    if (status.get(entry.cluster.name)?.agentConnected === false) row.classList.add('disconnected');
    body.appendChild(row);
  }
}

async function loadKubeconfigs() {
  const body = $('#kubeconfigs tbody');
  try {
    const { kubeconfigs } = await (await api('/api/kubeconfigs')).json();
    body.replaceChildren();
    for (const item of kubeconfigs) {
      const row = document.createElement('tr');
      row.dataset.kubeconfigId = item.kubeconfigId;
      cell(row, formatTime(item.issuedAt));
      cell(row, formatTime(item.expiresAt));
      cell(row, item.clusters.join(', '));
      const live = !item.revokedAt && new Date(item.expiresAt) > new Date();
      cell(row, item.revokedAt ? `revoked ${formatTime(item.revokedAt)}` : live ? 'active' : 'expired');
      const action = cell(row, '');
      if (live) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'secondary';
        button.textContent = 'Revoke';
        button.setAttribute('aria-label', `Revoke the kubeconfig issued ${formatTime(item.issuedAt)}`);
        button.addEventListener('click', () => void revoke(item.kubeconfigId));
        action.appendChild(button);
      }
      body.appendChild(row);
    }
  } catch (error) {
    setStatus(`Could not list your kubeconfigs: ${error.message}`);
  }
}

async function download() {
  setStatus('Issuing your kubeconfig…');
  try {
    const response = await api('/api/kubeconfigs', { method: 'POST' });
    const blob = await response.blob();
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'portcullis-kubeconfig.yaml';
    document.body.appendChild(link);
    link.click();
    link.remove();
    setStatus(`Your kubeconfig was downloaded. Use it with: ${usageHint()}`);
    await loadKubeconfigs();
  } catch (error) {
    setStatus(error.message);
  }
}

async function revoke(id) {
  try {
    await api(`/api/kubeconfigs/${encodeURIComponent(id)}/revoke`, { method: 'POST' });
    setStatus('The kubeconfig was revoked; it stops working everywhere within a second.');
    await loadKubeconfigs();
  } catch (error) {
    setStatus(`Could not revoke: ${error.message}`);
  }
}

async function loadAudit() {
  const body = $('#audit tbody');
  try {
    const { events } = await (await api('/api/audit/recent')).json();
    body.replaceChildren();
    for (const event of events) {
      const row = document.createElement('tr');
      cell(row, formatTime(event.occurredAt));
      cell(row, event.userId || '');
      cell(row, event.cluster || '');
      cell(row, event.verb);
      cell(row, [event.resource, event.subresource].filter(Boolean).join('/'));
      cell(row, String(event.responseStatus));
      body.appendChild(row);
    }
  } catch (error) {
    $('#audit-error').textContent = error.message;
    $('#audit-error').hidden = false;
  }
}

async function signOut() {
  await api('/api/logout', { method: 'POST' }).catch(() => undefined);
  window.location.assign('/');
}

async function start() {
  $('#download').addEventListener('click', () => void download());
  $('#sign-out').addEventListener('click', () => void signOut());
  let me;
  try {
    me = await (await api('/api/me')).json();
  } catch (error) {
    if (error.status === 401) {
      $('#signed-out').hidden = false;
      setStatus('');
      return;
    }
    setStatus(`Portcullis is not available: ${error.message}`);
    return;
  }
  state.csrfToken = me.csrfToken;
  $('#who').textContent = me.user.displayName || me.user.email || me.user.userId;
  $('#account').hidden = false;
  $('#signed-in').hidden = false;
  setStatus('');
  renderClusters(me);
  await loadKubeconfigs();
  if (me.user.admin) {
    $('#admin').hidden = false;
    await loadAudit();
  }
}

void start();
