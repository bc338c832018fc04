/** The IdP's HTML: plain, self-contained (no scripts, fonts or images), readable by a screen reader. */

export interface LoginPageInput {
  /** Where the form posts. */
  action: string;
  /** The application the person is signing in to. */
  clientName: string;
  /** Pre-filled: the last attempt's username or the request's login_hint. */
  username: string;
  error?: string;
}

const STYLE = [
  'body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;line-height:1.5}',
  'label{display:block;margin-top:1rem;font-weight:600}',
  'input{display:block;width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}',
  'button{margin-top:1.5rem;padding:.5rem 1.25rem;font-size:1rem}',
  '.error{color:#a4000f;border-left:4px solid #a4000f;padding-left:.75rem}',
  'dl{overflow-wrap:anywhere}',
].join('');

export function loginPage(input: LoginPageInput): string {
  const error = input.error
    ? `<p class="error" id="sign-in-error" role="alert">${escapeHtml(input.error)}</p>`
    : '';
  const invalid = input.error ? ' aria-invalid="true" aria-describedby="sign-in-error"' : '';
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(input.clientName)}</strong></p>
${error}
<form method="post" action="${escapeHtml(input.action)}">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${escapeHtml(input.username)}"${invalid}${input.username ? '' : ' autofocus'}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${invalid}${input.username ? ' autofocus' : ''}>
<button type="submit">Sign in</button>
</form>`,
  );
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}

/** oidc-provider's error page: the OAuth error code and description it would otherwise show unstyled. */
export function errorPage(details: Readonly<Record<string, string | undefined>>): string {
  const rows = Object.entries(details)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd>${escapeHtml(value)}</dd>`)
    .join('');
  return layout('Sign-in error', `<h1>Sign-in error</h1>\n<p>The request could not be completed.</p>\n<dl>${rows}</dl>`);
}

/** The end-session confirmation; `form` is oidc-provider's hidden form (it carries the xsrf token). */
export function logoutPage(form: string): string {
  return layout(
    'Sign out',
    `<h1>Sign out</h1>
<p>Sign out of the development identity provider?</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`,
  );
}

export function loggedOutPage(): string {
  return messagePage('Signed out', 'You have signed out of the development identity provider.');
}

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Portcullis dev IdP</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => ENTITIES[character] ?? character);
}
