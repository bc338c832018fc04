const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c]);
}

/** A minimal accessible page for errors and notices; every value is escaped. */
export function renderMessagePage(page: { title: string; message: string; action?: { href: string; label: string } }): string {
  const action = page.action ? `<p><a href="${escapeHtml(page.action.href)}">${escapeHtml(page.action.label)}</a></p>` : '';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · Portcullis</title><link rel="stylesheet" href="/portal.css"></head>
<body><main><h1>${escapeHtml(page.title)}</h1><p role="alert">${escapeHtml(page.message)}</p>${action}</main></body>
</html>`;
}
