// Health reasons are served on the open admin endpoints: an error message that quotes a connection
// URL (`postgres://app:secret@db/app`) must not hand its password to anyone who can reach the port.

// A scheme, `://`, then the user information up to the last `@` before the host (passwords may hold one).
const URL_USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]*)@/gi

/** Replaces the password of every URL in `text` with `***` (the whole user information when it has no password). */
export function redactUrlCredentials (text: string): string {
  if (!text.includes('://')) return text
  return text.replace(URL_USER_INFO, (_match, scheme: string, userInfo: string) => {
    const colon = userInfo.indexOf(':')
    return `${scheme}${colon === -1 ? '***' : `${userInfo.slice(0, colon)}:***`}@`
  })
}
