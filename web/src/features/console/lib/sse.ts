/** One Server-Sent Events message (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export type SseMessage = { id?: string; event: string; data: string };

/**
 * An incremental parser for the `text/event-stream` format. `EventSource` cannot send an `Authorization` header,
 * so the console reads the stream with `fetch` and feeds the chunks here. Follows the spec's line rules: CR, LF or
 * CRLF line ends; `:` comments (heartbeats) ignored; `data` lines joined with LF; a blank line dispatches.
 */
export function createSseParser(onMessage: (message: SseMessage) => void): {
  push: (chunk: string) => void;
} {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;

  function line(text: string) {
    if (text === '') {
      if (data.length > 0) {
        onMessage({ ...(id === undefined ? {} : { id }), event: event || 'message', data: data.join('\n') });
      }
      data = [];
      event = '';
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
  }

  return {
    push(chunk: string) {
      buffer += chunk;
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffer);
        // A lone CR at the very end may be the first half of CRLF: wait for the next chunk.
        if (!match || (match[0] === '\r' && match.index === buffer.length - 1)) return;
        line(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
    },
  };
}
