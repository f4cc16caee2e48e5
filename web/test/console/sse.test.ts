import { describe, expect, it } from 'vitest';
import { createSseParser, type SseMessage } from '../../src/features/console/lib/sse.ts';

function parse(chunks: string[]): SseMessage[] {
  const out: SseMessage[] = [];
  const parser = createSseParser((m) => out.push(m));
  for (const c of chunks) parser.push(c);
  return out;
}

describe('createSseParser', () => {
  it('dispatches a message at a blank line with its id and event name', () => {
    expect(parse(['id: 7\nevent: step\ndata: {"a":1}\n\n'])).toEqual([
      { id: '7', event: 'step', data: '{"a":1}' },
    ]);
  });
  it('joins a message split across chunks, even inside a CRLF', () => {
    expect(parse(['id: 1\r', '\ndata: hel', 'lo\r\n\r\n'])).toEqual([
      { id: '1', event: 'message', data: 'hello' },
    ]);
  });
  it('joins several data lines with a line feed and ignores heartbeat comments', () => {
    expect(parse([': ping\n\n', 'data: a\ndata: b\n\n'])).toEqual([{ event: 'message', data: 'a\nb' }]);
  });
  it('keeps the last event id for later messages, as the spec says', () => {
    const out = parse(['id: 3\ndata: x\n\ndata: y\n\n']);
    expect(out.map((m) => m.id)).toEqual(['3', '3']);
  });
  it('dispatches nothing for an event without data', () => {
    expect(parse(['event: step\n\n'])).toEqual([]);
  });
});
